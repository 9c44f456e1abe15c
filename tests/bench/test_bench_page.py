"""`/workshop/bench/`: the latest saved report as bar charts (the vendored Chart.js), or how to produce one —
never invented numbers."""

import copy
import json
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.test import Client

from bench.report import SCHEMA

pytestmark = pytest.mark.django_db(transaction=True)
CHARTS = 5  # throughput, p50, p99, queries, request bytes; and Redis commands when the run had Redis


def page() -> str:
    response = Client().get("/workshop/bench/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def chart_data(html: str) -> list[dict]:
    """Return what the page hands the vendored Chart.js (the json_script of its report charts)."""
    found = re.search(r'<script id="bench-report-charts" type="application/json">(.*?)</script>', html, re.DOTALL)
    return json.loads(found.group(1)) if found else []


def save(report) -> None:
    Path(settings.AUTHBENCH_REPORT).write_text(report if isinstance(report, str) else json.dumps(report))


def test_without_a_report_the_page_says_how_to_make_one_and_shows_no_numbers():
    html = page()
    assert "No report yet" in html
    assert "python manage.py authbench" in html
    assert "bench-report-charts" not in html and "<canvas" not in html
    assert 'id="bench-variants"' not in html


NOT_OURS = f"The saved report latest.json is not a {SCHEMA} report."


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "The saved report latest.json could not be read (JSONDecodeError)."),
    (json.dumps({"schema": "something/else", "variants": []}), NOT_OURS),
    (json.dumps([1, 2]), NOT_OURS),
])
def test_an_unreadable_report_is_named_and_nothing_is_drawn(content, message):
    save(content)
    html = page()
    assert message in html
    assert "bench-report-charts" not in html


def test_a_report_is_drawn_as_bars_of_its_own_numbers(tiny_run):
    _out, report, _saved = tiny_run
    save(report)
    html = page()
    measured = [row for row in report["variants"] if not row["skipped"]]
    charts = CHARTS + (1 if report["environment"]["redis"] else 0)
    drawn = chart_data(html)
    assert len(drawn) == charts == html.count('<canvas id="bench-')
    assert all(chart["labels"] == [row["label"] for row in measured] for chart in drawn)
    assert drawn[0]["values"] == [float(floatformat(row["ratios"]["throughput"], 2)) for row in measured]
    assert "vendor/chartjs/chart.umd.min.js" in html and "<svg" not in html
    for row in measured:
        assert f"{floatformat(row['ratios']['throughput'], 2)}×" in html
        assert f">{row['bytes']['request']} B<" in html
        assert row["revocation"]["summary"] in html
    for row in report["variants"]:
        if row["skipped"]:
            assert row["skipped"] in html
    assert "No report yet" not in html
    assert "python manage.py authbench" in html  # how to run it again


def test_labels_from_the_report_file_are_escaped(tiny_run):
    report = copy.deepcopy(tiny_run[1])
    report["variants"][1]["label"] = "<script>alert(1)</script>"
    save(report)
    html = page()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the summary first, one rounding, no chart of what was not measured, token size explained -------------------

def test_the_page_opens_with_findings_mapped_to_the_articles_claims(tiny_run):
    report = tiny_run[1]
    save(report)
    html = page()
    assert html.index('id="bench-summary"') < html.index('id="bench-meta"') < html.index('id="bench-charts"')
    summary = html[html.index('id="bench-summary"'):html.index('id="bench-meta"')]
    assert 3 <= summary.count("<li>") <= 5
    rows = {row["key"]: row for row in report["variants"] if not row["skipped"]}
    assert f"{rows['jwt-stateless']['bytes']['credential']} B" in summary
    assert "The article: A JWT is verified with no database lookup." in summary


def test_a_ratio_is_rounded_the_same_way_in_the_charts_the_tables_and_the_summary(tiny_run):
    report = copy.deepcopy(tiny_run[1])
    for row in report["variants"]:
        if not row["skipped"] and row["key"] != "baseline":
            row["ratios"] = {name: 0.125 for name in row["ratios"]}  # format() says 0.12, floatformat 0.13
    save(report)
    html = page()
    summary = html[html.index('id="bench-summary"'):html.index('id="bench-meta"')]
    table = html[html.index('id="bench-variants"'):]
    assert "0.13×" in summary and ">0.13×<" in html and "<td>0.13</td>" in table
    assert "0.12" not in html


def test_no_chart_for_what_the_run_did_not_measure(tiny_run):
    report = copy.deepcopy(tiny_run[1])
    report["environment"]["redis"] = False
    save(report)
    assert "<h2>Redis commands per request</h2>" not in page()
    report["environment"]["redis"] = True
    save(report)
    assert "<h2>Redis commands per request</h2>" in page()


def test_token_size_is_explained_and_notes_show_code_not_backticks(tiny_run):
    report = copy.deepcopy(tiny_run[1])
    report["algorithms"] = [
        {"algorithm": "HS256", "token_bytes": 417, "request_bytes": 490, "sign_us": 1, "verify_us": 1,
         "verify_ratio": 1.0},
        {"algorithm": "RS256", "token_bytes": 716, "request_bytes": 789, "sign_us": 1, "verify_us": 1,
         "verify_ratio": 1.0},
    ]
    report["notes"] = ["The `auth` column <b>subtracts</b> the baseline."]
    save(report)
    html = page()
    assert "Why a token here is 417 bytes, not 500–1000" in html
    assert "Header and claims\n    come to 373 characters" in html
    assert "342 characters" in html
    assert "The <code>auth</code> column &lt;b&gt;subtracts&lt;/b&gt; the baseline." in html
    assert "`" not in html[html.index("<h2>Notes</h2>"):]


def test_the_two_doors_are_shown_side_by_side_with_the_goal(tiny_run):
    _out, report, _saved = tiny_run
    save(report)
    html = page()
    doors = report["doors"]
    card = html.split('id="bench-doors"', 1)[1].split("</section>", 1)[0]
    for door in doors["rows"]:
        assert door["label"] in card
        # The page rounds as Django's floatformat does (half up on the decimal value), everywhere.
        assert f"<td>{floatformat(door['throughput_ratio'], 2)}</td>" in card
        assert f"<td>{floatformat(door['cpu_throughput_ratio'], 2)}</td>" in card
    assert ("Goal met" in card) is doors["goal_met"]
    for part, met in doors["goal"].items():
        assert (f"<code>{part}</code>" in card) is not met


def test_the_client_side_caching_experiment_is_shown_beside_each_door_and_off_by_default(tiny_run):
    _out, report, _saved = tiny_run
    save(report)
    html = page()
    if report["tracking"] is None:  # a run without Redis measured neither side
        assert 'id="bench-tracking"' not in html
        return
    card = html.split('id="bench-tracking"', 1)[1].split("</section>", 1)[0]
    assert "<strong>off by default</strong>" in card
    for pair in report["tracking"]["pairs"]:
        for side in ("redis", "tracked"):
            row = pair[side]
            assert row["label"] in card
            assert f"<td>{floatformat(row['throughput_ratio'], 2)}</td>" in card
            assert f"<td>{row['redis_round_trips']}</td>" in card
