"""README.md's commands, run as a newcomer copies them into a new terminal of the checkout.

The README writes Token Lab's commands as `.venv/bin/python manage.py …`. After `make run` (which writes
`.tokenlab-local.env`), they must work exactly as printed with nothing exported; `--help` of every one must work
with no configuration at all; and the local file must never loosen production mode: an explicit `DEBUG=0` wins
over it, and gunicorn's entry point (config.wsgi) never reads it.

Each test works in a copy of the checkout (the tracked and new files, nothing ignored: no `.venv`, no database,
no local file), with this interpreter standing for `.venv/bin/python` and `make -o` keeping `make` from
installing anything.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import LOCAL_ENV_FILE, asks_for_help

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
VENV_PYTHON = ".venv/bin/python"
# The section about adding `denylist` to *your own* project: its commands run in that project, with its python.
OWN_PROJECT = "## Early revocation in your own simplejwt project"

pytestmark = pytest.mark.slow


def shell_blocks(text: str) -> list[str]:
    """Return the command lines of every ```sh block, comments and blank lines removed."""
    lines = []
    for block in re.findall(r"^\s*```sh\n(.*?)^\s*```", text, re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def token_lab_part(text: str) -> str:
    """Return the README without the section about one's own project."""
    before, after = text.split(OWN_PROJECT, 1)
    return before + "\n## " + after.split("\n## ", 1)[1]


def manage_commands(text: str) -> set[str]:
    """Return the name of every `manage.py` command the README shows (in blocks and in inline code)."""
    return set(re.findall(rf"{re.escape(VENV_PYTHON)} manage\.py ([a-z_]+)", text))


def section(heading: str) -> str:
    return README.split(heading, 1)[1].split("\n## ", 1)[0]


def clean_env(**extra: str) -> dict:
    """A new terminal: PATH and HOME, none of Token Lab's variables."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **extra}


def run(command: str, cwd: Path, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    """Run one README line through the shell, this interpreter standing for `.venv/bin/python`."""
    line = command.replace(VENV_PYTHON, sys.executable)
    return subprocess.run(line, shell=True, cwd=cwd, env=env if env is not None else clean_env(),
                          capture_output=True, text=True, timeout=timeout)


def make(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`make ARGS` with this interpreter's environment as the venv, never installing into it."""
    venv = Path(sys.executable).parent.parent
    return subprocess.run(["make", "-o", f"{venv}/.installed", f"VENV={venv}", f"PY={sys.executable}", *args],
                          cwd=cwd, env=env or clean_env(), capture_output=True, text=True, timeout=300)


# Token Lab's settings with a fast password hash: seeding 100 accounts with the production hash takes a minute.
# Secrets and DEBUG are read exactly as config.settings reads them.
FAST_HASH_SETTINGS = """from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
"""


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the checkout as `git clone` would give it (plus files not committed yet)."""
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.fail("the README walk needs git and make")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    target = tmp_path / "tokenlab"
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    assert not (target / LOCAL_ENV_FILE).exists() and not (target / "tokenlab.sqlite3").exists()
    return target


def test_the_readme_writes_token_labs_commands_with_the_venvs_python():
    """Plain `python` has no Django on a new machine: every Token Lab command goes through `.venv/bin/python`."""
    ours = token_lab_part(README)
    assert re.findall(r"(?<!\.venv/bin/)\bpython3? (?:manage\.py|-m )", ours) == []
    assert {"seed_demo", "createsuperuser", "rotate_signing_key", "verify_token", "serve_cross_origin_demo",
            "authbench", "purge", "purge_auth_events", "help"} <= manage_commands(ours)


@pytest.mark.parametrize("argv", [
    ["manage.py"], ["manage.py", "help"], ["manage.py", "help", "seed_demo"], ["manage.py", "seed_demo", "--help"],
    ["manage.py", "authbench", "-h"], ["manage.py", "seed_demo", "--participants", "3", "--help"],
])
def test_help_lines_are_recognised(argv):
    assert asks_for_help(argv)


@pytest.mark.parametrize("argv", [
    ["manage.py", "seed_demo"], ["manage.py", "check"], ["manage.py", "verify_token", "--", "--help"],
    ["manage.py", "shell", "-c", "print('-h')"], ["manage.py", "createsuperuser", "--username=-h"],
])
def test_other_lines_are_not_help(argv):
    """A command that runs never gets the throwaway secrets: after `--` a `--help` is an argument, not a flag."""
    assert not asks_for_help(argv)


def test_every_commands_help_works_with_no_configuration(checkout):
    """No DEBUG, no secret, no local file: `--help` of every command the README shows prints its help."""
    for name in sorted(manage_commands(README) - {"help"}):
        result = run(f"{VENV_PYTHON} manage.py {name} --help", checkout)
        assert result.returncode == 0, (name, result.stderr[-2000:])
        assert result.stdout.startswith(f"usage: manage.py {name} "), name
        assert "Traceback" not in result.stderr, name
    result = run(f"{VENV_PYTHON} manage.py help", checkout)
    assert result.returncode == 0 and "[workshop]" in result.stdout and "seed_demo" in result.stdout
    result = run(f"{VENV_PYTHON} -m verifier --help", checkout)
    assert result.returncode == 0 and result.stdout.startswith("usage: python -m verifier")
    assert not (checkout / ".tokenlab-dev-secret").exists()  # help made no development key either


def test_without_make_run_a_command_that_runs_still_refuses_in_one_clear_line(checkout):
    result = run(f"{VENV_PYTHON} manage.py check", checkout)
    assert result.returncode == 1
    assert result.stderr == (
        "manage.py: The environment variable SECRET_KEY is required when DEBUG is off.\n"
        "On a laptop, run `make run` once: it writes .tokenlab-local.env (DEBUG=1), which manage.py reads. On a "
        "server, export SECRET_KEY and JWT_SIGNING_KEY (README.md, Production mode).\n")


def test_after_make_run_the_workshop_commands_work_as_printed(checkout):
    """`make run`'s steps up to the server, then the README's workshop blocks in a new terminal, as printed."""
    (checkout / "config" / "settings_fasthash.py").write_text(FAST_HASH_SETTINGS)
    terminal = clean_env(DJANGO_SETTINGS_MODULE="config.settings_fasthash")
    assert make(LOCAL_ENV_FILE, cwd=checkout).returncode == 0
    assert (checkout / LOCAL_ENV_FILE).read_text().splitlines()[-1] == "DEBUG=1"
    unmigrated = run(f"{VENV_PYTHON} manage.py seed_demo --participants 3", checkout, terminal)
    assert unmigrated.returncode == 1 and "The database has no tables yet" in unmigrated.stderr
    assert "Traceback" not in unmigrated.stderr
    # `make run` without its last line (the server): migrate, then the demo accounts.
    recipe = make("-n", "run", cwd=checkout)
    lines = [line for line in recipe.stdout.splitlines() if "manage.py" in line]
    assert [line.split("manage.py ", 1)[1] for line in lines] == [
        "migrate --verbosity 0", "seed_demo", "runserver 127.0.0.1:8000"]
    for line in lines[:2]:
        result = subprocess.run(line, shell=True, cwd=checkout, env=terminal, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
    assert "created  staff admin admin  password: admin-demo-pass-2026" in result.stdout

    workshop = shell_blocks(section("## Running a workshop"))
    assert workshop[:2] == [f"{VENV_PYTHON} manage.py seed_demo --participants 30",
                            f"{VENV_PYTHON} manage.py seed_demo --participants 30 --prefix ws"]
    outputs = []
    for command in workshop:
        result = run(command, checkout, terminal)
        assert result.returncode == 0, (command, result.stderr[-2000:])
        outputs.append(result.stdout)
    first = dict(re.findall(r"^(p\d+)\s+(\S+)\s+created$", outputs[0], re.MULTILINE))
    assert list(first) == [f"p{n:02d}" for n in range(1, 31)]
    assert len(re.findall(r"^ws\d+\s+\S+\s+created$", outputs[1], re.MULTILINE)) == 30
    # The late-comers' line adds p31 … p35 and keeps p01 … p30; the --reset line gives all 35 a new password.
    assert len(re.findall(r"^p\d+\s+\(unchanged\)\s+kept$", outputs[2], re.MULTILINE)) == 30
    assert len(re.findall(r"^p3[1-5]\s+\S+\s+created$", outputs[2], re.MULTILINE)) == 5
    reset = dict(re.findall(r"^(p\d+)\s+(\S+)\s+reset$", outputs[3], re.MULTILINE))
    assert len(reset) == 35 and not set(reset.values()) & set(first.values())

    # A restart (`make run` again) keeps the demo accounts; `make reset` starts them over.
    again = subprocess.run(lines[1], shell=True, cwd=checkout, env=terminal, capture_output=True, text=True)
    assert "kept     staff admin admin  password: admin-demo-pass-2026" in again.stdout
    result = make("reset", cwd=checkout, env=terminal)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reset    staff admin admin  password: admin-demo-pass-2026" in result.stdout

    # The local file never loosens production mode: DEBUG=0 in the environment wins over it, and gunicorn's
    # entry point does not read it.
    strict = run(f"DEBUG=0 {VENV_PYTHON} manage.py check", checkout)
    assert strict.returncode == 1 and "SECRET_KEY is required when DEBUG is off" in strict.stderr
    wsgi = run(f"{VENV_PYTHON} -c 'import config.wsgi'", checkout)
    assert wsgi.returncode == 1 and "SECRET_KEY is required when DEBUG is off" in wsgi.stderr
