"""`/workshop/bench/`: the latest saved report as bar charts, or how to produce one — never invented numbers."""

import copy
import json
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from bench.report import SCHEMA

pytestmark = pytest.mark.django_db(transaction=True)
CHARTS = 6  # throughput, p50, p99, queries, Redis commands, request bytes


def page() -> str:
    response = Client().get("/workshop/bench/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def save(report) -> None:
    Path(settings.AUTHBENCH_REPORT).write_text(report if isinstance(report, str) else json.dumps(report))


def test_without_a_report_the_page_says_how_to_make_one_and_shows_no_numbers():
    html = page()
    assert "No report yet" in html
    assert "python manage.py authbench" in html
    assert "<svg" not in html and "<rect" not in html
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
    assert "<rect" not in html


def test_a_report_is_drawn_as_bars_of_its_own_numbers(tiny_run):
    _out, report, _saved = tiny_run
    save(report)
    html = page()
    measured = [row for row in report["variants"] if not row["skipped"]]
    assert html.count("<rect") == CHARTS * len(measured)
    for row in measured:
        assert f"{row['ratios']['throughput']:.2f}×" in html
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
