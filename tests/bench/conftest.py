"""Run `manage.py authbench` the way its users do, small: in this process, or as a child process."""

import json

import pytest
from django.test import override_settings

from tests.support.bench import authbench


@pytest.fixture(autouse=True)
def _report_path(settings, tmp_path):
    """Never touch the real bench/reports/latest.json from a test."""
    settings.AUTHBENCH_REPORT = str(tmp_path / "latest.json")


@pytest.fixture(scope="module")
def tiny_run(django_db_setup, django_db_blocker, tmp_path_factory):
    """One tiny run shared by the tests that only read its report: (stdout, report, saved latest report).

    It works in the test database (`--in-place`) and deletes its account afterwards; whatever else it leaves
    (revocation rows, auth events) is flushed when the first transactional test of the module ends.
    """
    folder = tmp_path_factory.mktemp("authbench")
    with django_db_blocker.unblock(), override_settings(AUTHBENCH_REPORT=str(folder / "latest.json")):
        out, report = authbench("--no-algorithms")
        saved = json.loads((folder / "latest.json").read_text())
    return out, report, saved
