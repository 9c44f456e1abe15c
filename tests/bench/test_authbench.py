"""`manage.py authbench`: a tiny run finishes, prints every variant and reports exact per-request costs.

Only counts, sizes and verdicts are asserted — never a time: the machine is shared and noisy.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User
from bench.report import SCHEMA
from bench.variants import VARIANTS
from resources.models import Note
from tests.support.bench import authbench, authbench_process, rows

pytestmark = pytest.mark.django_db(transaction=True)

MEASURED_EMBEDDED = ["baseline", "session-db", "session-cache", "jwt-stateless", "jwt-simplejwt",
                     "jwt-revocation-db", "drf-token"]
REDIS_ONLY = ["session-cached-db", "jwt-revocation-redis"]


@pytest.fixture(scope="module")
def embedded_only():
    if settings.REDIS_URL:
        pytest.skip("this test is about a run without Redis (REDIS_URL is set)")


def test_tiny_run_prints_every_variant_and_writes_the_same_report_twice(tiny_run):
    out, report, saved = tiny_run
    for variant in VARIANTS:
        assert variant.label in out
    assert "ratios are to the baseline measured in this run" in out
    assert report["schema"] == SCHEMA
    assert [row["key"] for row in report["variants"]] == [v.key for v in VARIANTS]
    assert report["baseline"] == "baseline"
    assert report["parameters"] | {"total_seconds": 0} == {
        "mode": "in-process", "duration_s": 3.0, "requests": 20, "rounds": 2, "logins": 1, "workers": None,
        "concurrency": 1, "throwaway_database": False, "scale": False, "total_seconds": 0}
    assert saved == report
    for row in report["variants"]:
        if row["skipped"]:
            continue
        assert row["requests"] == 20
        assert len(row["slice_rps"]) == 2  # one slice per round, 10 requests each
        assert set(row["latency_ms"]) == {"p50", "p95", "p99", "mean"}
        assert set(row["ratios"]) == {"throughput", "cpu_throughput", "p50", "p95", "p99"}  # CPU: in-process only
        assert row["cpu_us_per_request"] > 0
    base = rows(report)["baseline"]
    assert base["ratios"] == {"throughput": 1.0, "cpu_throughput": 1.0, "p50": 1.0, "p95": 1.0, "p99": 1.0}


def test_query_and_command_counts_are_exact(tiny_run):
    _out, report, _saved = tiny_run
    by_key = rows(report)
    queries = {key: (row["db_queries"]["per_request"], row["db_queries"]["auth"], row["db_queries"]["mean"])
               for key, row in by_key.items() if key in MEASURED_EMBEDDED}
    assert queries == {
        "baseline": (1, 0, 1.0),            # the notes, nothing else
        "session-db": (2, 1, 2.0),          # the session row (the user row only when a view needs it)
        "session-cache": (2, 1, 2.0),       # user row (Django's own store: DRF's SessionAuthentication as shipped)
        "jwt-stateless": (1, 0, 1.0),       # signature and claims only
        "jwt-simplejwt": (2, 1, 2.0),       # simplejwt loads the user
        "jwt-revocation-db": (2, 1, 2.0),   # one indexed revocation query
        "drf-token": (2, 1, 2.0),           # token joined with its user
    }
    assert by_key["session-db"]["db_queries"]["tables"] == ["sessions_demo_devicesession", "resources_note"]
    assert by_key["jwt-revocation-db"]["db_queries"]["tables"] == ["denylist_revocation", "resources_note"]
    assert by_key["drf-token"]["db_queries"]["tables"] == ["authtoken_token", "resources_note"]
    for key in ("baseline", "session-db", "jwt-stateless", "jwt-simplejwt", "jwt-revocation-db", "drf-token"):
        assert by_key[key]["redis"]["commands_per_request"] == 0, key


def test_credential_and_request_bytes(tiny_run):
    _out, report, _saved = tiny_run
    by_key = rows(report)
    assert by_key["baseline"]["bytes"]["credential"] == 0
    assert by_key["session-db"]["bytes"]["credential"] == 32  # Django's session key
    assert by_key["drf-token"]["bytes"]["credential"] == 40   # DRF's hex key
    jwt = by_key["jwt-stateless"]["bytes"]
    assert jwt["credential"] > 300
    # "GET /jwt/api/notes/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer <token>\r\n\r\n"
    assert jwt["request"] == len("GET /jwt/api/notes/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \r\n\r\n") \
        + jwt["credential"]
    session = by_key["session-db"]["bytes"]
    assert session["request"] == len("GET /session/api/notes/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid=\r\n"
                                      "\r\n") + 32


def test_revocation_delay_per_variant(tiny_run):
    _out, report, _saved = tiny_run
    by_key = rows(report)
    assert by_key["baseline"]["revocation"] == {"kind": "none", "summary": "no credential"}
    for key, status in (("session-db", 403), ("session-cache", 403), ("jwt-revocation-db", 401),
                        ("drf-token", 401)):
        revocation = by_key[key]["revocation"]
        assert (revocation["kind"], revocation["accepted_after_revoke"], revocation["refused_status"]) == \
            ("refused", 0, status), key
        assert revocation["summary"].startswith("0 requests, ")
    for key in ("jwt-stateless", "jwt-simplejwt"):
        revocation = by_key[key]["revocation"]
        assert (revocation["kind"], revocation["accepted_after_revoke"]) == ("until_exp", 3), key
        # The token was minted a moment before: it has (almost) a whole access lifetime left.
        assert settings.ACCESS_TOKEN_LIFETIME - 60 <= revocation["until_exp_s"] <= settings.ACCESS_TOKEN_LIFETIME
        assert revocation["summary"] == f"until exp: {revocation['until_exp_s']} s"


def test_login_cost_is_measured_apart(tiny_run):
    out, report, _saved = tiny_run
    assert [entry["door"] for entry in report["login"]] == ["session", "jwt", "drf-token", "hash"]
    assert all(entry["samples"] == 1 for entry in report["login"])
    assert "login (measured apart from the steady state)" in out


def test_redis_variants_are_skipped_with_a_note_without_redis(embedded_only, tiny_run):
    out, report, _saved = tiny_run
    by_key = rows(report)
    for key in REDIS_ONLY:
        assert by_key[key]["skipped"] == "skipped: needs Redis (set REDIS_URL=redis://host:port/db)"
        assert "requests" not in by_key[key]
    assert "not measured:" in out
    assert "session · cached_db (Redis): skipped: needs Redis" in out


@pytest.mark.redis
def test_with_redis_the_revocation_check_is_one_command_and_no_query(redis_required, tiny_run):
    _out, report, _saved = tiny_run
    by_key = rows(report)
    revocation = by_key["jwt-revocation-redis"]
    assert revocation["redis"]["commands_per_request"] == 1
    assert revocation["redis"]["round_trips_per_request"] == 1
    assert revocation["redis"]["commands"] == ["HMGET"]
    assert (revocation["db_queries"]["per_request"], revocation["db_queries"]["auth"]) == (1, 0)
    assert revocation["revocation"]["kind"] == "refused"
    assert revocation["revocation"]["accepted_after_revoke"] == 0
    cached_db = by_key["session-cached-db"]
    assert cached_db["redis"]["commands"] == ["GET", "HMGET"]  # the session and its revocation check...
    assert cached_db["redis"]["round_trips_per_request"] == 1  # ...in one pipeline
    assert (cached_db["db_queries"]["per_request"], cached_db["db_queries"]["auth"]) == (1, 0)
    assert cached_db["revocation"]["accepted_after_revoke"] == 0
    assert by_key["session-cache"]["redis"]["commands"] == ["GET"]


@pytest.mark.redis
def test_with_client_side_caching_the_jwt_check_makes_no_round_trip_and_revocation_still_holds(redis_required,
                                                                                                 tiny_run):
    _out, report, _saved = tiny_run
    by_key = rows(report)
    tracked = by_key["jwt-revocation-tracking"]
    assert (tracked["redis"]["commands_per_request"], tracked["redis"]["round_trips_per_request"]) == (0, 0)
    assert (tracked["db_queries"]["per_request"], tracked["db_queries"]["auth"]) == (1, 0)
    session = by_key["session-cached-db-tracking"]
    # The session still comes from Redis, and its check rides in the same pipeline: nothing to skip there.
    assert session["redis"]["commands"] == ["GET", "HMGET"]
    assert session["redis"]["round_trips_per_request"] == 1
    for row in (tracked, session):
        assert (row["revocation"]["kind"], row["revocation"]["accepted_after_revoke"]) == ("refused", 0)
    assert report["tracking"]["on_by_default"] is False
    assert [(p["door"], p["redis"]["key"], p["tracked"]["key"]) for p in report["tracking"]["pairs"]] == [
        ("session", "session-cached-db", "session-cached-db-tracking"),
        ("jwt", "jwt-revocation-redis", "jwt-revocation-tracking")]
    assert [p["tracked"]["redis_round_trips"] for p in report["tracking"]["pairs"]] == [1, 0]


def test_without_redis_there_is_no_tracking_comparison(embedded_only, tiny_run):
    _out, report, _saved = tiny_run
    assert report["tracking"] is None


@pytest.mark.redis
def test_a_run_leaves_no_redis_keys_behind(redis_required):
    from django_redis import get_redis_connection

    authbench("--no-algorithms", "--only", "jwt-revocation-redis", "--only", "session-cached-db")
    assert list(get_redis_connection("default").scan_iter(match="authbench-*")) == []


def test_the_bench_account_and_its_rows_are_removed():
    from django.contrib.auth import get_user_model

    authbench("--no-algorithms", "--only", "session-db")
    assert not get_user_model().objects.filter(username__startswith="authbench-").exists()
    assert Note.objects.count() == 0


def test_only_limits_the_run_and_keeps_the_baseline():
    out, report = authbench("--no-algorithms", "--only", "drf-token")
    assert [row["key"] for row in report["variants"]] == ["baseline", "drf-token"]
    assert "session · db store" not in out


def test_algorithms_section():
    out, report = authbench("--only", "jwt-stateless")
    assert [row["algorithm"] for row in report["algorithms"]] == ["HS256", "RS256", "ES256", "EdDSA"]
    sizes = {row["algorithm"]: row["token_bytes"] for row in report["algorithms"]}
    assert sizes["RS256"] > sizes["ES256"] > sizes["HS256"]  # RSA signs with 256+ bytes, ES256 with 64, HS256 with 32
    # Both sign with 64 bytes; the payloads differ only in `iat` and `auth_time`, whose millisecond digits (trailing
    # zeros are dropped: up to 3 characters each) and base64 rounding move the length by a few bytes.
    assert abs(sizes["EdDSA"] - sizes["ES256"]) <= 8
    assert report["algorithms"][0]["verify_ratio"] == 1.0
    assert "JWT algorithm (access token)" in out


@pytest.mark.parametrize("argument", ["--requests=0", "--duration=-1", "--rounds=0"])
def test_bad_bounds_are_refused(argument):
    with pytest.raises(CommandError):
        call_command("authbench", argument)


REFUSAL = ("--in-place and --http serve an unauthenticated benchmark door (X-Bench-User); with DEBUG off they are "
           "refused. Run with DEBUG=1, or pass --allow-production if this is not a production server.")


@pytest.mark.parametrize("mode", [["--in-place"], ["--http"], ["--in-place", "--http"]])
def test_door_modes_are_refused_with_debug_off(settings, user, mode):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("authbench", *mode, stdout=StringIO(), stderr=StringIO())
    assert str(refused.value) == REFUSAL
    assert list(User.objects.values_list("username", flat=True)) == [user.username]
    assert not Path(settings.AUTHBENCH_REPORT).exists()


@pytest.mark.slow
def test_as_a_process_in_a_throwaway_database(tmp_path):
    result, report = authbench_process(tmp_path, "--no-algorithms")
    assert report["parameters"]["throwaway_database"] is True
    assert rows(report)["session-db"]["db_queries"]["auth"] == 1
    for variant in VARIANTS:
        assert variant.label in result.stdout
    assert "authbench: round 2/2 done" in result.stderr  # progress is shown while it runs


@pytest.mark.slow
def test_over_http_against_gunicorn(tmp_path):
    _result, report = authbench_process(tmp_path, "--no-algorithms", "--http", "--allow-production", "--port",
                                        "18450", "--workers", "1", "--concurrency", "1")
    assert report["parameters"]["mode"] == "http"
    by_key = rows(report)
    assert by_key["session-db"]["requests"] == 20
    assert by_key["session-db"]["db_queries"]["auth"] == 1  # counted in-process on the same code
    assert by_key["jwt-revocation-db"]["revocation"]["accepted_after_revoke"] == 0
    assert by_key["jwt-stateless"]["revocation"]["kind"] == "until_exp"


def test_the_two_doors_side_by_side_against_the_goal(tiny_run):
    out, report, _saved = tiny_run
    doors = report["doors"]
    assert set(doors["goal"]) == {"at_least_0_80", "doors_within_10pct", "within_10pct_of_stateless",
                                  "one_round_trip", "no_auth_query", "revocation_delay_0"}
    assert doors["goal_met"] == all(doors["goal"].values())
    assert doors["rows"] == [doors["session"], doors["jwt"]]
    assert doors["goal"]["revocation_delay_0"] is True
    if settings.REDIS_URL:
        assert (doors["on_redis"], doors["session"]["key"], doors["jwt"]["key"]) == \
            (True, "session-cached-db", "jwt-revocation-redis")
        assert [(d["redis_round_trips"], d["auth_queries"]) for d in doors["rows"]] == [(1, 0), (1, 0)]
        assert doors["goal"]["one_round_trip"] is doors["goal"]["no_auth_query"] is True
    else:
        assert (doors["on_redis"], doors["session"]["key"], doors["jwt"]["key"]) == \
            (False, "session-db", "jwt-revocation-db")
        assert [(d["redis_round_trips"], d["auth_queries"]) for d in doors["rows"]] == [(0, 1), (0, 1)]
        assert doors["goal"]["one_round_trip"] is False
    assert "Token Lab's two doors, on " in out
    assert "goal: >= 0.80x baseline " in out


def test_every_ratio_comes_with_its_spread_over_the_rounds(tiny_run):
    out, report, _saved = tiny_run
    measured = [row for row in report["variants"] if not row["skipped"]]
    for row in measured:
        assert len(row["round_rps"]) == len(row["round_cpu_us"]) == 2 and all(row["round_rps"]), row["key"]
        for name in ("throughput", "cpu_throughput"):
            spread = row["spread"][name]
            assert spread["rounds"] == 2, (row["key"], name)
            assert spread["min"] <= spread["p25"] <= spread["median"] <= spread["p75"] <= spread["max"]
            assert row["ratios"][name] == spread["median"]  # the ratio printed is the median over the rounds
        assert re.search(rf"^{re.escape(row['label'])}\s+\d+\.\d\d \(\d+\.\d\d-\d+\.\d\d\)\s+\d+\.\d\d \(", out,
                         re.MULTILINE), row["key"]
    base = rows(report)["baseline"]["spread"]["throughput"]
    assert (base["median"], base["p25"], base["p75"], base["min"], base["max"]) == (1.0, 1.0, 1.0, 1.0, 1.0)
    assert "req/s x (spread)" in out


def test_the_ranking_covers_every_measured_variant_and_says_what_cannot_be_told_apart(tiny_run):
    out, report, _saved = tiny_run
    ranked = report["ranking"]
    measured = {row["key"] for row in report["variants"] if not row["skipped"]}
    assert {entry["key"] for entry in ranked} == measured
    assert report["ranked_by"] == "cpu_throughput"  # in-process: the CPU time a busy neighbour barely moves
    ratios = [entry["ratio"] for entry in ranked]
    assert ratios == sorted(ratios, reverse=True)
    assert ratios == [rows(report)[entry["key"]]["ratios"]["cpu_throughput"] for entry in ranked]
    assert ranked[-1]["apart_from_next"] is None
    pairs = {tuple(pair) for pair in report["indistinguishable"]}
    for before, after in zip(ranked, ranked[1:], strict=False):
        assert before["apart_from_next"] is ((before["key"], after["key"]) not in pairs)
    assert "ranking by CPU x over 2 rounds (>: faster in at least 3 rounds of 4; ≈: cannot be told apart) — " in out
    assert ("cannot be told apart on CPU x in this run" if pairs else "every two variants are told apart") in out


def test_the_goal_is_explained_and_redis_parts_are_na_without_redis(tiny_run):
    out, report, _saved = tiny_run
    doors = report["doors"]
    assert "  what the goal is: Token Lab's design target for its two doors in production mode (on Redis): " in out
    if settings.REDIS_URL:
        assert doors["not_applicable"] == {}
        assert " n/a" not in out.split("goal: ", 1)[1].split("\n", 1)[0]
    else:
        assert set(doors["not_applicable"]) == {"one_round_trip", "no_auth_query"}
        assert "; 1 Redis round trip n/a; 0 auth queries n/a; " in out
        assert "1 Redis round trip MISSED" not in out
        assert "  1 Redis round trip n/a: no Redis in this run (embedded mode)" in out
    for part, met in doors["goal"].items():
        if not met and part not in doors["not_applicable"]:
            assert re.search(r"^  \S.* MISSED: ", out, re.MULTILINE), part  # every miss says by how much


def test_revocation_delay_means_requests_still_accepted_everywhere(tiny_run):
    out, report, _saved = tiny_run
    for door in report["doors"]["rows"]:  # the doors table
        assert re.search(rf"^{re.escape(door['label'])} .* 0 requests$", out, re.MULTILINE), door["label"]
    assert "note: revocation delay: how many requests the revoked credential still got through after the revoking " \
           "request (0: the very next request was refused)" in out
    for door in report["doors"]["rows"]:
        assert door["revocation_accepted_after"] == 0
