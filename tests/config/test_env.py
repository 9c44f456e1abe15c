"""`config.env`: typed readers of the environment that refuse a bad value loudly, naming the variable."""

import runpy

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env


@pytest.fixture
def setenv(monkeypatch):
    def set_(name: str, value: str | None):
        if value is None:
            monkeypatch.setenv(name, "")  # recorded, so that whatever the test sets later is undone too
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    return set_


@pytest.mark.parametrize(("raw", "expected"), [
    (None, False), ("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("false", False),
    ("No", False), ("off", False), ("", False),
])
def test_env_bool(setenv, raw, expected):
    setenv("TL_FLAG", raw)
    assert env.env_bool("TL_FLAG", False) is expected


@pytest.mark.parametrize("raw", ["2", "maybe", "tru", "1.0", "enabled"])
def test_env_bool_rejects(setenv, raw):
    setenv("TL_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="TL_FLAG"):
        env.env_bool("TL_FLAG")


def test_env_int(setenv):
    setenv("TL_INT", None)
    assert env.env_int("TL_INT", 7) == 7
    setenv("TL_INT", "")
    assert env.env_int("TL_INT", 7) == 7
    setenv("TL_INT", "42")
    assert env.env_int("TL_INT", 7, minimum=1) == 42


@pytest.mark.parametrize("raw", ["abc", "1.5", "0x10", "10s", "0"])
def test_env_int_rejects(setenv, raw):
    setenv("TL_INT", raw)
    with pytest.raises(ImproperlyConfigured, match="TL_INT"):
        env.env_int("TL_INT", 7, minimum=1)


def test_env_float(setenv):
    setenv("TL_FLOAT", None)
    assert env.env_float("TL_FLOAT", 0.5, minimum=0) == 0.5
    setenv("TL_FLOAT", "2.25")
    assert env.env_float("TL_FLOAT", 0.5, minimum=0) == 2.25


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "-1", "0", "1,5"])
def test_env_float_rejects(setenv, raw):
    setenv("TL_FLOAT", raw)
    with pytest.raises(ImproperlyConfigured, match="TL_FLOAT"):
        env.env_float("TL_FLOAT", 0.5, minimum=0)


def test_env_choice(setenv):
    setenv("TL_ALG", None)
    assert env.env_choice("TL_ALG", "HS256", ("HS256", "RS256")) == "HS256"
    setenv("TL_ALG", "RS256")
    assert env.env_choice("TL_ALG", "HS256", ("HS256", "RS256")) == "RS256"
    for bad in ("none", "hs256", "HS256 "):
        setenv("TL_ALG", bad)
        with pytest.raises(ImproperlyConfigured, match="TL_ALG must be one of HS256, RS256"):
            env.env_choice("TL_ALG", "HS256", ("HS256", "RS256"))


def test_env_required(setenv):
    setenv("TL_SECRET", None)
    with pytest.raises(ImproperlyConfigured, match="TL_SECRET is required"):
        env.env_required("TL_SECRET")
    setenv("TL_SECRET", "")
    with pytest.raises(ImproperlyConfigured, match="TL_SECRET"):
        env.env_required("TL_SECRET")
    setenv("TL_SECRET", "s3cret")
    assert env.env_required("TL_SECRET") == "s3cret"


def test_env_list(setenv):
    setenv("TL_LIST", None)
    assert env.env_list("TL_LIST", ["a"]) == ["a"]
    setenv("TL_LIST", " a.example , ,b.example,")
    assert env.env_list("TL_LIST", []) == ["a.example", "b.example"]


@pytest.mark.parametrize(("raw", "expected"), [
    (None, "10/min"), ("5/s", "5/s"), ("100/hour", "100/hour"), ("3/MIN", "3/min"), ("10/minute", "10/minute"),
    ("1000/day", "1000/day"),
])
def test_env_rate(setenv, raw, expected):
    setenv("TL_RATE", raw)
    assert env.env_rate("TL_RATE", "10/min") == expected


@pytest.mark.parametrize("raw", ["ten/min", "10", "10/fortnight", "0/min", "-1/min", "10/", "/min", "10 per min"])
def test_env_rate_rejects(setenv, raw):
    setenv("TL_RATE", raw)
    with pytest.raises(ImproperlyConfigured, match="TL_RATE"):
        env.env_rate("TL_RATE", "10/min")


def test_env_url(setenv):
    setenv("TL_REDIS", None)
    assert env.env_url("TL_REDIS", ("redis", "rediss")) is None
    setenv("TL_REDIS", "rediss://cache.internal:6380/0")
    assert env.env_url("TL_REDIS", ("redis", "rediss")) == "rediss://cache.internal:6380/0"
    for bad in ("localhost:6379", "http://cache/0", "redis:/x"):
        setenv("TL_REDIS", bad)
        with pytest.raises(ImproperlyConfigured, match="TL_REDIS"):
            env.env_url("TL_REDIS", ("redis", "rediss"))


ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")


def test_env_database(setenv):
    setenv("TL_DB", "postgres://app:pw@db.internal:5433/tokenlab")
    config = env.env_database("TL_DB", "sqlite:///x.sqlite3", engines=ENGINES, conn_max_age=5)
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"], config["CONN_MAX_AGE"]) == (
        "django.db.backends.postgresql", "db.internal", 5433, "tokenlab", 5)
    setenv("TL_DB", None)
    assert env.env_database("TL_DB", "sqlite:////tmp/x.sqlite3", engines=ENGINES)["NAME"] == "/tmp/x.sqlite3"


@pytest.mark.parametrize("raw", [
    "nonsense", "mysql://u:pw@h/db", "postgres://u:hunter2@h:notaport/db", "postgres://u:hunter2@h:5432",
])
def test_env_database_rejects_without_echoing_the_password(setenv, raw):
    setenv("TL_DB", raw)
    with pytest.raises(ImproperlyConfigured, match="TL_DB") as excinfo:
        env.env_database("TL_DB", "sqlite:///x", engines=ENGINES)
    assert "hunter2" not in str(excinfo.value)


@pytest.mark.parametrize(("name", "value"), [
    ("DEBUG", "maybe"), ("REDIS_SOCKET_TIMEOUT", "fast"), ("LOGIN_RATE", "ten/min"), ("JWT_ALGORITHM", "none"),
    ("ACCESS_TOKEN_LIFETIME", "0"), ("DATABASE_URL", "mysql://db/x"), ("REDIS_URL", "localhost:6379"),
    ("LOG_LEVEL", "LOUD"), ("MAX_REQUEST_BODY", "10"), ("SESSION_COOKIE_AGE", "forever"),
    ("LOGIN_ADDRESS_RATE", "0/min"), ("REFRESH_RATE", "often"),
])
def test_settings_refuse_bad_values(monkeypatch, name, value):
    """A typo in production configuration stops the process with ImproperlyConfigured, never a later 500."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        runpy.run_module("config.settings", run_name="config.settings_probe")


def test_settings_read_the_throttle_rates(monkeypatch):
    for name in ("LOGIN_RATE", "LOGIN_ADDRESS_RATE", "REFRESH_RATE"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_module("config.settings", run_name="config.settings_probe")
    assert [defaults[name] for name in ("LOGIN_RATE", "LOGIN_ADDRESS_RATE", "REFRESH_RATE")] == [
        "10/min", "30/min", "30/min"]
    monkeypatch.setenv("LOGIN_ADDRESS_RATE", "100/Hour")
    monkeypatch.setenv("REFRESH_RATE", "5/s")
    values = runpy.run_module("config.settings", run_name="config.settings_probe")
    assert (values["LOGIN_ADDRESS_RATE"], values["REFRESH_RATE"]) == ("100/hour", "5/s")


def test_settings_refuse_jwt_key_equal_to_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "the-same-key-" + "z" * 40)
    monkeypatch.setenv("JWT_SIGNING_KEY", "the-same-key-" + "z" * 40)
    with pytest.raises(ImproperlyConfigured, match="JWT_SIGNING_KEY must differ from SECRET_KEY"):
        runpy.run_module("config.settings", run_name="config.settings_probe")


def test_settings_require_secrets_without_debug(monkeypatch):
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required"):
        runpy.run_module("config.settings", run_name="config.settings_probe")


# --- what manage.py reads before Django starts ---------------------------------------------------------------------

def test_local_env_file_fills_only_what_the_environment_leaves_unset(tmp_path, setenv):
    path = tmp_path / env.LOCAL_ENV_FILE
    path.write_text("# written by make run\n\nDEBUG=1\nTL_LOCAL_A= spaced \nTL_LOCAL_B=from the file\n")
    setenv("DEBUG", "0")  # set in the terminal: wins over the file
    setenv("TL_LOCAL_A", None)
    setenv("TL_LOCAL_B", None)
    assert env.local_env_load(path) == {"DEBUG": "1", "TL_LOCAL_A": "spaced", "TL_LOCAL_B": "from the file"}
    assert (env.env_str("DEBUG"), env.env_str("TL_LOCAL_A"), env.env_str("TL_LOCAL_B")) == (
        "0", "spaced", "from the file")
    assert env.local_env_load(tmp_path / "absent.env") == {}


@pytest.mark.parametrize("line", ["export DEBUG=1", "DEBUG", "debug=1", "=1", "DEBUG = 1"])
def test_local_env_file_refuses_a_line_it_cannot_read(tmp_path, setenv, line):
    path = tmp_path / env.LOCAL_ENV_FILE
    path.write_text(f"TL_LOCAL_C=1\n{line}\n")
    setenv("TL_LOCAL_C", None)
    with pytest.raises(ImproperlyConfigured, match=rf"{env.LOCAL_ENV_FILE}, line 2: expected NAME=value"):
        env.local_env_load(path)
    assert env.env_str("TL_LOCAL_C") is None  # nothing loaded from a file that is refused


def test_help_gets_throwaway_secrets_and_nothing_else_does(setenv):
    setenv("SECRET_KEY", None)
    setenv("JWT_SIGNING_KEY", None)
    assert env.help_secrets(["manage.py", "seed_demo"]) == []
    assert env.env_str("SECRET_KEY") is None and env.env_str("JWT_SIGNING_KEY") is None
    assert env.help_secrets(["manage.py", "seed_demo", "--help"]) == ["SECRET_KEY", "JWT_SIGNING_KEY"]
    first = (env.env_str("SECRET_KEY"), env.env_str("JWT_SIGNING_KEY"))
    assert first[0] != first[1] and min(len(first[0]), len(first[1])) >= 60
    setenv("SECRET_KEY", "an operator's own secret " + "k" * 30)
    setenv("JWT_SIGNING_KEY", None)
    assert env.help_secrets(["manage.py", "help"]) == ["JWT_SIGNING_KEY"]
    assert env.env_str("SECRET_KEY") == "an operator's own secret " + "k" * 30
