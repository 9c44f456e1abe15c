"""`authbench --scale`: how cost grows with live revocation entries — the report's shape and exact counts.

A small run (50 and 300 entries, 1 and 2 HTTP clients, short slices) stands in for 10², 10⁴ and 10⁶: what is
asserted is the shape of the `scale` section, the per-request round trips and queries, that the seeded entries
are in the copy and gone afterwards, and that the copy came back with a lease after the flush — never a time.
"""

import json
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from bench.charts import scale_charts
from bench.scale import REASON
from bench.table import report_text
from denylist.models import Revocation
from tests.support.bench import authbench

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = (50, 300)
SCALE = ["--no-algorithms", "--only", "jwt-stateless", "--scale", "--scale-sizes", "50,300", "--scale-clients",
         "1,2", "--scale-seconds", "0.3", "--port", "18470", "--workers", "1"]


@pytest.fixture(scope="module")
def scale_run(django_db_setup, django_db_blocker, tmp_path_factory):
    if not settings.REDIS_URL:
        pytest.skip("the scale section needs Redis (REDIS_URL)")
    folder = tmp_path_factory.mktemp("authbench-scale")
    with django_db_blocker.unblock(), override_settings(AUTHBENCH_REPORT=str(folder / "latest.json")):
        out, report = authbench(*SCALE)
        left = Revocation.objects.filter(reason=REASON).count()
    return out, report, left


@pytest.mark.redis
@pytest.mark.slow
def test_the_scale_section_has_every_size_and_client_count(scale_run):
    _out, report, _left = scale_run
    scale = report["scale"]
    assert report["parameters"]["scale"] is True
    assert set(scale) == {"sizes", "http", "lease_seconds", "rebuild_chunk", "labels", "doors"}
    assert scale["doors"] == ["session-cached-db", "jwt-revocation-redis"]
    assert [size["entries"] for size in scale["sizes"]] == list(SIZES)
    for size in scale["sizes"]:
        assert set(size) == {"entries", "seed_s", "per_request", "memory", "rebuild"}
        assert set(size["per_request"]) == {"baseline", "session-cached-db", "jwt-revocation-redis"}
        # Every seeded entry is in the copy (plus the lease, the server id and the run's own entries).
        assert size["entries"] < size["memory"]["fields"] <= size["entries"] + 10
        assert size["memory"]["hash_bytes"] > 0
        rebuild = size["rebuild"]
        assert rebuild["leased_after_s"] is not None  # the copy came back, with a lease
        assert rebuild["clients"] == 2 and rebuild["requests"] >= 1
        assert set(rebuild["latency_ms"]) == {"p50", "p99", "max"}
    assert scale["sizes"][0]["memory"]["encoding"] == "listpack"  # small hashes are packed
    assert [row["clients"] for row in scale["http"]["rows"]] == [1, 2]
    assert scale["http"]["entries"] == SIZES[-1]
    for row in scale["http"]["rows"]:
        assert set(row["variants"]) == {"baseline", "session-cached-db", "jwt-revocation-redis"}
        assert all(v["throughput_rps"] > 0 for v in row["variants"].values())


@pytest.mark.redis
@pytest.mark.slow
def test_each_door_costs_one_round_trip_and_no_auth_query_at_every_size(scale_run):
    _out, report, _left = scale_run
    for size in report["scale"]["sizes"]:
        rows = size["per_request"]
        assert (rows["baseline"]["redis_round_trips"], rows["baseline"]["db_queries"]) == (0, 1)
        for door, commands in (("session-cached-db", 2), ("jwt-revocation-redis", 1)):
            assert (rows[door]["redis_round_trips"], rows[door]["redis_commands"], rows[door]["db_queries"]) == \
                (1, commands, 1), (size["entries"], door)
        # Server-side µs per call, from INFO commandstats (server-wide: a lease renewal's script shows up too).
        assert {"get", "hmget"} <= set(rows["session-cached-db"]["redis_server_usec"])
        assert "hmget" in rows["jwt-revocation-redis"]["redis_server_usec"]


@pytest.mark.redis
@pytest.mark.slow
def test_each_rebuild_is_measured_against_the_recovery_goal(scale_run):
    out, report, _left = scale_run
    for size in report["scale"]["sizes"]:
        rebuild = size["rebuild"]
        goal = rebuild["goal"]
        assert (goal["leased_under_s"], goal["slowest_under_ms"]) == (10.0, 500.0)
        assert goal["met"] is (rebuild["leased_after_s"] < 10.0 and rebuild["latency_ms"]["max"] < 500.0)
    assert report["scale"]["rebuild_chunk"] == 5_000
    verdicts = "; ".join(f"{s['entries']:,} {'met' if s['rebuild']['goal']['met'] else 'MISSED'}"
                         for s in report["scale"]["sizes"])
    assert f"recovery goal (leased again < 10 s, no request > 0.5 s meanwhile): {verdicts}" in out


@pytest.mark.redis
@pytest.mark.slow
def test_the_seeded_entries_are_removed_and_the_tables_printed(scale_run):
    out, report, left = scale_run
    assert left == 0
    assert "live revocation entries" in out
    assert "rebuilt (leased) in s" in out
    assert "HTTP, 300 entries, 1 workers" in out
    assert report_text(report) in out


@pytest.mark.redis
@pytest.mark.slow
def test_the_benchmark_page_draws_the_scale_section_with_the_vendored_chart_library(scale_run, settings):
    _out, report, _left = scale_run
    Path(settings.AUTHBENCH_REPORT).write_text(json.dumps(report))
    response = Client().get("/workshop/bench/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    charts = scale_charts(report)
    assert [c["id"] for c in charts] == ["scale-throughput", "scale-latency", "scale-memory", "scale-rebuild",
                                         "scale-http"]
    for chart in charts:
        assert f'<canvas id="{chart["id"]}"' in html
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js"></script>' in html
    data = html.split('<script id="bench-scale-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data) == charts
    assert charts[2]["datasets"][0]["data"] == [round(s["memory"]["hash_bytes"] / 2**20, 3)
                                                for s in report["scale"]["sizes"]]
    assert 'id="bench-scale-table"' in html and 'id="bench-doors"' in html


def test_without_redis_the_scale_section_says_why(settings):
    if settings.REDIS_URL:
        pytest.skip("this test is about a run without Redis (REDIS_URL is set)")
    _out, report = authbench("--no-algorithms", "--only", "jwt-stateless", "--scale")
    assert report["scale"] == {"skipped": "skipped: needs Redis (set REDIS_URL=redis://host:port/db)"}


def test_scale_is_refused_with_debug_off_without_allow_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--scale serves an unauthenticated benchmark door"):
        call_command("authbench", "--scale")


@pytest.mark.parametrize("argument", ["--scale-sizes=0", "--scale-sizes=a,b", "--scale-clients=-1",
                                      "--scale-seconds=0"])
def test_bad_scale_bounds_are_refused(argument):
    with pytest.raises(CommandError):
        call_command("authbench", "--scale", argument)


def test_a_client_count_that_times_out_spoils_that_row_only():
    from bench.credentials import BenchError, Credential
    from bench.scale import http_clients
    from bench.variants import BY_KEY

    class Timeouts:
        name = "http"

        def request(self, method, path, headers=None, body=b""):
            raise BenchError("timed out")

    class Up:
        name = "http"

        def request(self, method, path, headers=None, body=b""):
            from bench.transport import Response

            return Response(200)

    class State:
        def __init__(self, key, transport):
            self.variant, self.transport, self.credential = BY_KEY[key], transport, Credential({}, "")

    rows = http_clients({"baseline": State("baseline", Up()), "session-cached-db": State("session-cached-db", Up()),
                         "jwt-revocation-redis": State("jwt-revocation-redis", Timeouts())},
                        clients=(1,), seconds=0.05, rounds=1)
    assert rows[0]["clients"] == 1
    assert rows[0]["error"] == "timed out"
    assert all(v["throughput_rps"] is None for v in rows[0]["variants"].values())
