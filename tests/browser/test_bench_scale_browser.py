"""In a real browser: the benchmark page draws the `--scale` section with the vendored Chart.js."""

import json
from pathlib import Path

import pytest

from bench.report import report_build
from bench.scale import DOORS, MEASURED, scale_labels

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def measured_row(key: str) -> dict:
    return {"key": key, "label": key, "door": "none", "path": "/", "explain": "", "settings": {}, "skipped": None,
            "requests": 10, "throughput_rps": 100.0, "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "mean": 1.0},
            "db_queries": {"per_request": 1, "mean": 1.0, "max": 1, "tables": []},
            "redis": {"commands_per_request": 0, "mean": 0.0, "round_trips_per_request": 0, "commands": []},
            "bytes": {"credential": 0, "request": 77}, "revocation": {"kind": "none", "summary": "no credential"}}


def scale_section() -> dict:
    def per_request(ratio):
        return {k: {"throughput_rps": 100 * ratio, "throughput_ratio": ratio, "requests": 10,
                    "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "mean": 1.0}, "db_queries": 1,
                    "redis_commands": 1, "redis_round_trips": 1, "redis_server_usec": {}} for k in MEASURED}

    sizes = [{"entries": n, "seed_s": 0.1, "per_request": per_request(r),
              "memory": {"fields": n, "encoding": "hashtable", "hash_bytes": n * 80, "bytes_per_entry": 80.0,
                         "server_used_bytes": 10**7},
              "rebuild": {"leased_after_s": s, "requests": 5, "clients": 2,
                          "latency_ms": {"p50": 5.0, "p99": 50.0, "max": 60.0}}}
             for n, r, s in ((100, 0.9, 0.1), (10_000, 0.85, 0.3), (1_000_000, 0.8, 40.0))]
    http = {"entries": 1_000_000, "workers": 2, "rows": [
        {"clients": c, "variants": {k: {"throughput_rps": 100.0 * c, "throughput_ratio": 1.0,
                                        "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "mean": 1.0}}
                                    for k in MEASURED}} for c in (1, 2, 4, 8, 16)]}
    return {"sizes": sizes, "http": http, "lease_seconds": 5, "rebuild_chunk": 20000, "labels": scale_labels(),
            "doors": list(DOORS)}


def test_the_scale_charts_are_drawn_from_the_report(live_server, page, settings, tmp_path):
    settings.AUTHBENCH_REPORT = str(tmp_path / "latest.json")
    report = report_build(rows=[measured_row("baseline")], login=[], algorithms=[], notes=[], seconds=1.0,
                          parameters={"mode": "in-process"}, scale=scale_section())
    Path(settings.AUTHBENCH_REPORT).write_text(json.dumps(report))

    page.goto(f"{live_server.url}/workshop/bench/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('scale-http'))")
    drawn = page.evaluate("""() => ['scale-throughput', 'scale-latency', 'scale-memory', 'scale-rebuild',
        'scale-http'].map((id) => {
          const chart = Chart.getChart(document.getElementById(id));
          return chart && {type: chart.config.type, labels: chart.data.labels,
                           first: chart.data.datasets[0].data};
        })""")
    assert drawn == [
        {"type": "line", "labels": ["100", "10,000", "1,000,000"], "first": [0.9, 0.85, 0.8]},
        {"type": "line", "labels": ["100", "10,000", "1,000,000"], "first": [3.0, 3.0, 3.0]},
        {"type": "bar", "labels": ["100", "10,000", "1,000,000"], "first": [0.008, 0.763, 76.294]},
        {"type": "bar", "labels": ["100", "10,000", "1,000,000"], "first": [0.1, 0.3, 40.0]},
        {"type": "line", "labels": ["1", "2", "4", "8", "16"], "first": [100.0, 200.0, 400.0, 800.0, 1600.0]},
    ]


def test_the_report_charts_are_drawn_with_the_same_library(live_server, page, settings, tmp_path):
    settings.AUTHBENCH_REPORT = str(tmp_path / "latest.json")
    report = report_build(rows=[measured_row("baseline")], login=[], algorithms=[], notes=[], seconds=1.0,
                          parameters={"mode": "in-process"}, scale=scale_section())
    Path(settings.AUTHBENCH_REPORT).write_text(json.dumps(report))

    page.goto(f"{live_server.url}/workshop/bench/")
    page.wait_for_function("() => document.body.dataset.benchChartsDrawn !== undefined")
    drawn = page.evaluate("""() => window.benchCharts.map((chart) => [chart.canvas.id, chart.config.type,
        chart.data.labels.length, chart.canvas.width > 0])""")
    assert [d[0] for d in drawn][:3] == ["bench-throughput", "bench-p50", "bench-p99"]
    assert all(d[1:] == ["bar", 1, True] for d in drawn)
    assert page.locator("#bench-charts svg").count() == 0
