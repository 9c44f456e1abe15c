"""In a real browser: the benchmark page shows the client-side caching experiment beside each door on Redis, says
it is off by default, and states each size's recovery goal."""

import json
from pathlib import Path

import pytest

from bench.report import report_build
from bench.scale import recovery_goal
from tests.browser.test_bench_scale_browser import measured_row, scale_section

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def door_row(key: str, *, rps: float, round_trips: int) -> dict:
    row = measured_row(key)
    row["label"] = f"label of {key}"
    row["throughput_rps"] = rps
    row["redis"] = {"commands_per_request": round_trips, "mean": float(round_trips),
                    "round_trips_per_request": round_trips, "commands": ["HMGET"] * round_trips}
    row["revocation"] = {"kind": "refused", "accepted_after_revoke": 0, "summary": "0 requests, 5.0 ms"}
    return row


def test_the_experiment_and_the_recovery_goal_read_in_a_browser(live_server, page, settings, tmp_path):
    settings.AUTHBENCH_REPORT = str(tmp_path / "latest.json")
    scale = scale_section()
    for size in scale["sizes"]:
        size["rebuild"]["goal"] = recovery_goal(size["rebuild"]["leased_after_s"], size["rebuild"]["latency_ms"]["max"])
    rows = [measured_row("baseline"),
            door_row("session-cached-db", rps=80.0, round_trips=1),
            door_row("session-cached-db-tracking", rps=81.0, round_trips=1),
            door_row("jwt-revocation-redis", rps=84.0, round_trips=1),
            door_row("jwt-revocation-tracking", rps=93.0, round_trips=0)]
    report = report_build(rows=rows, login=[], algorithms=[], notes=[], seconds=1.0,
                          parameters={"mode": "in-process"}, scale=scale)
    Path(settings.AUTHBENCH_REPORT).write_text(json.dumps(report))

    page.goto(f"{live_server.url}/workshop/bench/")
    card = page.locator("#bench-tracking")
    assert card.is_visible()
    assert "off by default" in card.locator("strong").inner_text()
    cells = card.locator("tbody tr").evaluate_all("(rows) => rows.map((r) => r.innerText.split('\\t'))")
    assert cells == [
        ["session", "label of session-cached-db", "0.80", "—", "1.00", "1", "0"],
        ["label of session-cached-db-tracking", "0.81", "—", "1.00", "1", "0"],
        ["jwt", "label of jwt-revocation-redis", "0.84", "—", "1.00", "1", "0"],
        ["label of jwt-revocation-tracking", "0.93", "—", "1.00", "0", "0"],
    ]
    goal = page.locator("#bench-scale-goal").inner_text()
    assert "100 entries: met (0.1 s, slowest 60.0 ms, 80.0 bytes per entry)" in goal
    assert "1000000 entries: not met (40.0 s, slowest 60.0 ms, 80.0 bytes per entry)" in goal
