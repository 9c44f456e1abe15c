"""Run `manage.py authbench` the way its users do, small: in this process, or as a child process."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

TINY = ["--requests", "20", "--duration", "3", "--logins", "1", "--rounds", "2"]  # never the long default


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
