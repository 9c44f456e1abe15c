"""Run `manage.py authbench` the way its users do, small: in this process, or as a child process."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

TINY = ["--requests", "20", "--logins", "1", "--rounds", "2"]


def authbench(*args: str) -> tuple[str, dict]:
    """Run the command in this process (on the test database: `--in-place`, with DEBUG off as the suite runs it,
    so `--allow-production`); return its stdout and JSON report."""
    out, err = StringIO(), StringIO()
    path = Path(settings.AUTHBENCH_REPORT).with_name("report.json")
    call_command("authbench", *TINY, "--in-place", "--allow-production", "--json", str(path), *args, stdout=out,
                 stderr=err)
    return out.getvalue(), json.loads(path.read_text())


def authbench_process(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the command as a child process, exactly as `python manage.py authbench` (own throwaway database)."""
    path = tmp_path / "report.json"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "authbench", *TINY, "--no-save", "--json", str(path), *args],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result, json.loads(path.read_text())


def rows(report: dict) -> dict:
    return {row["key"]: row for row in report["variants"]}


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
