"""The benchmark's server settings (config.bench_settings) refuse to load anywhere but in `authbench --http`."""

import pytest


def test_the_server_settings_refuse_to_load_outside_authbench(monkeypatch):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("AUTHBENCH_SERVER", raising=False)
    monkeypatch.delitem(sys.modules, "config.bench_settings", raising=False)
    with pytest.raises(ImproperlyConfigured, match="only for the servers"):
        importlib.import_module("config.bench_settings")
