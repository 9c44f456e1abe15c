"""In a real Chromium: the benchmark page draws each throughput ratio's spread across its bar, shows the ranking and
the goal part by part, and axe-core finds nothing serious or critical on it; a report saved before spreads existed
is drawn with plain bars."""

import json
from pathlib import Path

import pytest

from tests.bench.test_bench_page import legacy, spread_report
from tests.browser.axe import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAWN = """() => {
  const chart = Chart.getChart(document.getElementById('bench-throughput'));
  const x = chart.scales.x;
  const bars = (i) => chart.getDatasetMeta(i).data.map((bar) => ({
    from: Math.round(Math.min(bar.x, bar.base)), to: Math.round(Math.max(bar.x, bar.base)),
    height: Math.round(bar.height)}));
  return {datasets: chart.data.datasets.map((d) => d.label), medians: bars(0),
          ranges: chart.data.datasets.length > 1 ? bars(1) : null,
          at: [0, 0.75, 0.8, 0.82, 0.84, 0.85, 0.95, 1].map((v) => Math.round(x.getPixelForValue(v)))};
}"""


def open_page(page, live_server, settings, tmp_path, report: dict) -> dict:
    settings.AUTHBENCH_REPORT = str(tmp_path / "latest.json")
    Path(settings.AUTHBENCH_REPORT).write_text(json.dumps(report))
    page.goto(f"{live_server.url}/workshop/bench/")
    page.wait_for_function("() => document.body.dataset.benchChartsDrawn !== undefined")
    drawn = page.evaluate(DRAWN)
    drawn["at"] = dict(zip([0, 0.75, 0.8, 0.82, 0.84, 0.85, 0.95, 1], drawn["at"], strict=True))
    return drawn


def test_the_spread_is_drawn_across_each_bar_and_the_page_passes_axe(live_server, page, settings, tmp_path):
    drawn = open_page(page, live_server, settings, tmp_path, spread_report(on_redis=False))
    at = drawn["at"]
    assert drawn["datasets"] == ["median", "middle half of the rounds (25th to 75th percentile)"]
    # The session door's bar ends at its median 0.80, its range spans 0.75–0.85, a third as thick as the bar.
    bar, middle = drawn["medians"][2], drawn["ranges"][2]
    assert (bar["from"], bar["to"]) == (at[0], at[0.8])
    assert (middle["from"], middle["to"]) == (at[0.75], at[0.85])
    assert 0 < middle["height"] < bar["height"] / 2
    assert (drawn["ranges"][3]["from"], drawn["ranges"][3]["to"]) == (at[0.8], at[0.84])
    # What the chart draws is also said in words: the ranking, its pair, and the goal's n/a parts.
    assert page.locator("#bench-ranking ol.bench-ranking > li").count() == 4
    assert page.locator("#bench-ranking").inner_text().count("cannot be told apart from the next") == 1
    assert page.locator("#bench-indistinguishable li").all_inner_texts() == [
        "session-db door and jwt-revocation-db door"]
    assert page.locator("#bench-goal-line").inner_text() == (
        "goal: >= 0.80x baseline met; doors within 10% met; within 10% of stateless MISSED; 1 Redis round trip n/a; "
        "0 auth queries n/a; revocation delay 0 met")
    assert page.locator("#bench-goal tr.goal-na").count() == 2
    assert axe_violations(page) == []


def test_a_report_saved_before_spreads_is_drawn_with_plain_bars(live_server, page, settings, tmp_path):
    drawn = open_page(page, live_server, settings, tmp_path, legacy(spread_report(on_redis=False)))
    assert drawn["datasets"] == ["median"] and drawn["ranges"] is None
    assert [(bar["from"], bar["to"]) for bar in drawn["medians"]] == [
        (drawn["at"][0], drawn["at"][value]) for value in (1, 0.95, 0.8, 0.82)]
    assert page.locator("#bench-ranking").inner_text().startswith("Which variants this run can rank\n\nThis report has "
                                                                  "no ranking")
    assert axe_violations(page) == []
