"""`/workshop/bench/`: the latest saved report as bar charts (the vendored Chart.js), or how to produce one —
never invented numbers."""

import copy
import json
import re
from html import unescape
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.test import Client

from bench.report import SCHEMA, report_build
from bench.table import goal_lines, goal_verdicts, ranking_lines

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


# --- spreads, the ranking and the goal, as `manage.py authbench` prints them (issue 19) -------------------------

ROUNDS = 5


def measured(key: str, door: str, rps: list[float], cpu: list[float], *, queries: int = 1, redis: int = 0,
             accepted_after: int | None = 0) -> dict:
    """A measured row as the runner makes it, with per-round rates and CPU times chosen so every ratio is exact."""
    revocation = ({"kind": "none", "summary": "no credential"} if accepted_after is None else
                  {"kind": "revoked", "summary": f"{accepted_after} requests", "accepted_after_revoke": accepted_after,
                   "refused_after_ms": 1.0, "until_exp_s": 300})
    return {"key": key, "label": f"{key} door", "door": door, "path": "/", "explain": "", "settings": {},
            "skipped": None, "requests": 500, "throughput_rps": sorted(rps)[len(rps) // 2],
            "throughput_rps_total": sum(rps) / len(rps), "slice_rps": rps, "round_rps": rps, "round_cpu_us": cpu,
            "cpu_us_per_request": sorted(cpu)[len(cpu) // 2],
            "latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0, "mean": 1.0},
            "db_queries": {"per_request": queries, "mean": float(queries), "max": queries, "tables": []},
            "redis": {"commands_per_request": redis, "mean": float(redis), "round_trips_per_request": redis,
                      "commands": []},
            "bytes": {"credential": 0 if door == "none" else 40, "request": 77}, "revocation": revocation}


def spread_report(*, on_redis: bool) -> dict:
    """A report of five rounds: the baseline, JWT stateless, and Token Lab's two doors (on Redis or the database).

    Throughput ratios per round: the session door 0.70, 0.75, 0.80, 0.85, 0.90 (median 0.80, middle half
    0.75–0.85); the JWT door 0.78–0.86 around 0.82. By CPU time the two doors alternate round by round (they cannot
    be told apart), and JWT stateless is ahead of both in every round.
    """
    session, jwt = ("session-cached-db", "jwt-revocation-redis") if on_redis else ("session-db", "jwt-revocation-db")
    extra = {"queries": 1, "redis": 1} if on_redis else {"queries": 2, "redis": 0}
    rows = [
        measured("baseline", "none", [100.0] * ROUNDS, [100.0] * ROUNDS, accepted_after=None),
        measured("jwt-stateless", "jwt", [95.0] * ROUNDS, [105.0] * ROUNDS, accepted_after=12),
        measured(session, "session", [70.0, 75.0, 80.0, 85.0, 90.0], [120.0, 130.0, 120.0, 130.0, 125.0], **extra),
        measured(jwt, "jwt", [78.0, 80.0, 82.0, 84.0, 86.0], [125.0] * ROUNDS, **extra),
    ]
    return report_build(rows=rows, login=[], algorithms=[], notes=[], seconds=10.0,
                        parameters={"mode": "in-process", "rounds": ROUNDS, "duration_s": 10, "requests": None})


def card(html: str, section: str) -> str:
    return html.split(f'id="{section}"', 1)[1].split(">", 1)[1].split("</section>", 1)[0]


def text_of(fragment: str) -> str:
    """The words of an HTML fragment, as a reader sees them: tags dropped, entities read, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_each_ratio_is_shown_with_its_spread_in_the_tables_and_across_the_throughput_bars():
    report = spread_report(on_redis=False)
    save(report)
    html = page()
    table = card(html, "bench-variants")
    # req/s ×, its middle half, CPU × (the baseline's CPU per request over the door's, median 100/125), its middle half
    assert "<td>0.80</td><td>0.75–0.85</td>\n        <td>0.80</td><td>0.77–0.83</td>" in table
    assert "<td>0.82</td><td>0.80–0.84</td>\n        <td>0.80</td><td>0.80–0.80</td>" in table
    drawn = chart_data(html)[0]
    assert drawn["id"] == "bench-throughput"
    assert drawn["values"] == [1.0, 0.95, 0.8, 0.82]
    assert drawn["ranges"] == [[1.0, 1.0], [0.95, 0.95], [0.75, 0.85], [0.8, 0.84]]
    assert drawn["range_label"] == "middle half of the rounds (25th to 75th percentile)"
    throughput = card(html, "bench-charts").split("</table>", 1)[0]
    assert "<td>session-db door</td><td>0.80× (middle half 0.75–0.85)</td>" in throughput
    assert "The thin dark line across each bar spans the middle half of the rounds" in throughput
    doors = card(html, "bench-doors")
    assert "<td>0.80</td><td>0.75–0.85</td>" in doors and "<td>0.82</td><td>0.80–0.84</td>" in doors


def test_the_ranking_says_which_variants_cannot_be_told_apart_in_the_clis_words():
    report = spread_report(on_redis=False)
    save(report)
    section = text_of(card(page(), "bench-ranking"))
    assert report["ranked_by"] == "cpu_throughput"
    assert report["indistinguishable"] == [["session-db", "jwt-revocation-db"]]
    assert section.startswith(
        "Which variants this run can rank Ranking by CPU x over 5 rounds (>: faster in at least 3 rounds of 4; "
        "≈: cannot be told apart) — in-process the ranking uses CPU x, which a busy neighbour barely moves, unlike "
        "req/s x: ")
    # The CLI's order and its > / ≈ between neighbours, each with its middle half; then the pair, word for word.
    assert ("baseline door 1.00 (middle half 1.00–1.00) > faster than the next in at least 3 rounds of 4 "
            "jwt-stateless door 0.95 (middle half 0.95–0.95) > faster than the next in at least 3 rounds of 4 "
            "session-db door 0.80 (middle half 0.77–0.83) ≈ cannot be told apart from the next "
            "jwt-revocation-db door 0.80 (middle half 0.80–0.80) ") in section
    assert ("Cannot be told apart on CPU x in this run (neither was faster in 3 rounds of 4): "
            "session-db door and jwt-revocation-db door") in section
    cli = "\n".join(ranking_lines(report))
    assert "cannot be told apart on CPU x in this run (neither was faster in 3 rounds of 4): session-db door and " \
           "jwt-revocation-db door" in " ".join(cli.split())
    assert "session-db door 0.80 ≈ jwt-revocation-db door 0.80" in " ".join(cli.split())


def goal_rows(html: str) -> list[str]:
    table = card(html, "bench-doors").split('id="bench-goal"', 1)[1].split("</table>", 1)[0]
    return [text_of(row.split(">", 1)[1]) for row in table.split("<tr")[2:]]


def test_without_redis_the_goals_redis_parts_are_na_for_the_clis_reasons():
    report = spread_report(on_redis=False)
    save(report)
    html = page()
    doors = card(html, "bench-doors")
    assert text_of(doors.split('id="bench-goal-line">', 1)[1].split("</code>", 1)[0]) == (
        "goal: >= 0.80x baseline met; doors within 10% met; within 10% of stateless MISSED; 1 Redis round trip n/a; "
        "0 auth queries n/a; revocation delay 0 met")
    assert goal_lines(report["doors"])[0] == text_of(doors.split('id="bench-goal-line">', 1)[1].split("</code>")[0])
    rows = goal_rows(html)
    assert rows[3] == ("1 Redis round trip one Redis round trip per request, session and revocation check together "
                       "n/a no Redis in this run (embedded mode): the doors check revocation in the database; set "
                       "REDIS_URL to measure the goal's Redis round trip ( one_round_trip )")
    assert rows[4] == ("0 auth queries no database query to authenticate a request n/a no Redis in this run: each "
                       "door reads its session row or revocation entry from the database (+1 query), by design; with "
                       "Redis the check is a Redis command instead ( no_auth_query )")
    assert rows[2].endswith("MISSED JWT stateless 0.95x; session 0.80x, JWT 0.82x ( within_10pct_of_stateless )")
    assert rows[0] == ">= 0.80x baseline each door serves at least 0.80x the baseline's req/s met —"
    # Every part the CLI explains under its goal line reads the same on the page: name, verdict, reason.
    cli = " ".join(" ".join(goal_lines(report["doors"])[1:]).split())
    for verdict, row in zip(goal_verdicts(report["doors"]), rows, strict=True):
        if verdict["mark"] == "met":
            assert f"{verdict['short']} met" not in cli and row.endswith(" met —")
        else:
            assert f"{verdict['short']} {verdict['mark']}: {verdict['why']}" in cli
            name, long, mark, why, part = (verdict[k] for k in ("short", "long", "mark", "why", "part"))
            assert row == f"{name} {long} {mark} {why} ( {part} )"
    assert "the throughput parts compare medians over the rounds" in cli
    assert "The throughput parts compare medians over the rounds: on a loaded machine" in text_of(doors)
    assert "Not every part this run could measure was met." in text_of(doors)
    assert "Redis round trip MISSED" not in html and "Goal met" not in doors


def test_on_redis_every_part_is_met_or_missed_and_none_is_na():
    report = spread_report(on_redis=True)
    report["variants"][1]["round_rps"] = report["variants"][1]["slice_rps"] = [81.0] * ROUNDS
    report = report_build(rows=[{k: v for k, v in row.items() if k not in ("ratios", "spread")}
                                for row in report["variants"]],
                          login=[], algorithms=[], notes=[], seconds=10.0,
                          parameters={"mode": "in-process", "rounds": ROUNDS, "duration_s": 10, "requests": None})
    assert report["doors"]["goal_met"] and report["doors"]["not_applicable"] == {}
    save(report)
    html = page()
    doors = card(html, "bench-doors")
    assert text_of(doors.split('id="bench-goal-line">', 1)[1].split("</code>", 1)[0]) == (
        "goal: >= 0.80x baseline met; doors within 10% met; within 10% of stateless met; 1 Redis round trip met; "
        "0 auth queries met; revocation delay 0 met")
    assert [row.rsplit(" ", 2)[-2:] for row in goal_rows(html)] == [["met", "—"]] * 6
    assert "Goal met." in doors and "n/a" not in doors and "<code>one_round_trip</code>" not in doors


def legacy(report: dict) -> dict:
    """The report as `authbench` saved it before spreads, the ranking and n/a goal parts existed."""
    old = copy.deepcopy(report)
    for key in ("ranked_by", "ranking", "indistinguishable"):
        del old[key]
    for row in old["variants"]:
        for key in ("spread", "round_rps", "round_cpu_us"):
            row.pop(key, None)
    for key in ("not_applicable", "doors_apart"):
        del old["doors"][key]
    for door in (old["doors"]["session"], old["doors"]["jwt"]):
        door.pop("throughput_spread", None)
    old["doors"]["rows"] = [old["doors"]["session"], old["doors"]["jwt"]]
    return old


def test_a_report_saved_before_spreads_and_the_ranking_still_renders():
    save(legacy(spread_report(on_redis=False)))
    html = page()
    table = card(html, "bench-variants")
    assert "<td>0.80</td><td>—</td>\n        <td>0.80</td><td>—</td>" in table
    drawn = chart_data(html)[0]
    assert drawn["ranges"] == [None, None, None, None]
    assert "middle half" not in card(html, "bench-charts")
    assert text_of(card(html, "bench-ranking")) == (
        "Which variants this run can rank This report has no ranking: it was saved before the benchmark ranked its "
        "variants round by round, or it measured a single variant. Run python manage.py authbench again to see "
        "which variants it can tell apart.")
    # Saved without `not_applicable`, in a run without Redis: the Redis parts still read n/a, with today's reasons.
    rows = goal_rows(html)
    assert rows[3].startswith("1 Redis round trip one Redis round trip per request, session and revocation check "
                              "together n/a no Redis in this run (embedded mode)")
    assert " n/a no Redis in this run: each door reads" in rows[4]
    assert "MISSED" not in rows[3] + rows[4]


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
