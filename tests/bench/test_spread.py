"""The benchmark's verdicts: ratios round by round with their spread, which variants cannot be told apart, the
goal explained (and n/a, not MISSED, where a run without Redis cannot meet it), one meaning of revocation delay.

The rows here are made up, so every verdict is exact; tests/bench/test_authbench.py checks a real run's shape.
"""

import re

import pytest

from bench.measure import Samples
from bench.report import doors_compare, ranking, spread, told_apart
from bench.table import doors_table, ranking_lines, variants_table


def row(key: str, round_rps: list[float | None], *, cpu: list[float] | None = None, **extra) -> dict:
    return {"key": key, "label": key.replace("-", " "), "skipped": None, "round_rps": round_rps,
            "round_cpu_us": cpu or [], **extra}


def test_spread_is_median_quartiles_and_range():
    assert spread([0.9, 0.5, 0.7, 0.8, 0.6]) == {"median": 0.7, "p25": 0.6, "p75": 0.8, "min": 0.5, "max": 0.9,
                                                 "rounds": 5}
    assert spread([0.75]) == {"median": 0.75, "p25": 0.75, "p75": 0.75, "min": 0.75, "max": 0.75, "rounds": 1}
    assert spread([]) is None


def test_samples_remember_each_rounds_rate_and_leave_a_gap_for_a_round_that_timed_nothing():
    samples = Samples()
    samples.latencies += [0.01] * 30
    samples.add_slice(10, 0.5)
    samples.cpu.append(0.0002)
    samples.mark_round(0, 0)
    samples.mark_round(1, 1)  # round 1 added no slice
    samples.add_slice(20, 0.5)
    samples.cpu.append(0.0001)
    samples.mark_round(2, 1)
    summary = samples.summary()
    assert summary["round_rps"] == [20.0, None, 40.0]
    assert summary["round_cpu_us"] == [200.0, None, 100.0]


def test_two_variants_are_told_apart_only_when_one_wins_three_rounds_of_four():
    steady = row("a", [100, 100, 100, 100, 100, 100, 100, 100])
    slower = row("b", [90, 92, 88, 91, 89, 90, 93, 120])  # faster than a in one round of eight
    tossup = row("c", [90, 110, 95, 105, 92, 108, 99, 101])  # slower in half the rounds, faster in the other
    assert told_apart(steady, slower) and told_apart(slower, steady)
    assert not told_apart(steady, tossup) and not told_apart(tossup, steady)
    assert not told_apart(row("d", [100]), row("e", [50]))  # one round proves nothing


def test_ranking_orders_by_ratio_and_names_the_pairs_it_cannot_separate():
    rows = [row("baseline", [100, 100, 100, 100], ratios={"throughput": 1.0}),
            row("fast", [99, 101, 98, 102], ratios={"throughput": 1.0}),
            row("slow", [60, 62, 61, 63], ratios={"throughput": 0.61})]
    for r in rows:
        r["spread"] = {"throughput": spread([x / 100 for x in r["round_rps"]])}
    measure, ranked, pairs = ranking(rows)
    assert measure == "throughput"  # no CPU figures (as over HTTP): req/s x is ranked
    assert [(r["key"], r["apart_from_next"]) for r in ranked] == [("baseline", False), ("fast", True),
                                                                   ("slow", None)]
    assert pairs == [["baseline", "fast"]]
    report = {"parameters": {"rounds": 4}, "ranking": ranked, "indistinguishable": pairs, "variants": rows,
              "ranked_by": "throughput"}
    lines = ranking_lines(report)
    assert lines[0] == "" and all(len(line) <= 118 for line in lines)
    assert " ".join(line.strip() for line in lines[1:]) == (
        "ranking by req/s x over 4 rounds (>: faster in at least 3 rounds of 4; ≈: cannot be told apart): baseline "
        "1.00 ≈ fast 1.00 > slow 0.61 "
        "cannot be told apart on req/s x in this run (neither was faster in 3 rounds of 4): baseline and fast")


def measured(key: str, rps: list[float], *, rt: int = 0, auth: int = 0, after: int = 0) -> dict:
    base = 100.0
    ratio = sorted(r / base for r in rps)[len(rps) // 2]
    return row(key, rps, ratios={"throughput": ratio, "cpu_throughput": None, "p50": 1.0, "p99": 1.0},
               spread={"throughput": spread([r / base for r in rps])},
               redis={"round_trips_per_request": rt, "commands_per_request": rt},
               db_queries={"auth": auth}, revocation={"accepted_after_revoke": after})


EMBEDDED = [measured("baseline", [100] * 4), measured("session-db", [70, 72, 71, 73], auth=1),
            measured("jwt-revocation-db", [71, 70, 73, 72], auth=1), measured("jwt-stateless", [95, 96, 97, 94])]


def test_without_redis_the_redis_parts_of_the_goal_are_na_with_the_reason():
    doors = doors_compare(EMBEDDED)
    assert doors["goal"]["one_round_trip"] is False  # measured: not met in this run...
    assert set(doors["not_applicable"]) == {"one_round_trip", "no_auth_query"}  # ...and not expected without Redis
    lines = doors_table({"doors": doors})
    goal = next(line for line in lines if line.startswith("goal: "))
    assert goal == ("goal: >= 0.80x baseline MISSED; doors within 10% met; within 10% of stateless MISSED; "
                    "1 Redis round trip n/a; 0 auth queries n/a; revocation delay 0 met")
    text = "\n".join(lines)
    assert "MISSED" not in goal.split("1 Redis round trip")[1]
    assert "  what the goal is: Token Lab's design target for its two doors in production mode (on Redis)" in text
    assert "  >= 0.80x baseline MISSED: session 0.72x, JWT 0.72x" in text
    assert re.search(r"  1 Redis round trip n/a: no Redis in this run \(embedded mode\): the doors check revocation "
                     r"in the database; set\s+REDIS_URL to measure the goal's Redis round trip", text)
    assert "session/JWT throughput: 1.0 (cannot be told apart in this run)" in text.replace("1.00", "1.0")
    assert re.search(r"session db\s+0\.72 \(0\.71-0\.72\)", text)  # each door's ratio with its spread
    assert "revocation delay" in lines[0] and lines[1].endswith("0 requests")


def test_with_redis_a_missed_part_is_explained():
    rows = [measured("baseline", [100] * 4), measured("session-cached-db", [90, 91, 92, 93], rt=1),
            measured("jwt-revocation-redis", [60, 61, 62, 63], rt=2, after=1), measured("jwt-stateless", [95] * 4)]
    doors = doors_compare(rows)
    assert doors["not_applicable"] == {} and doors["doors_apart"] is True
    text = "\n".join(doors_table({"doors": doors}))
    assert "goal: >= 0.80x baseline MISSED; doors within 10% MISSED; within 10% of stateless MISSED; 1 Redis round " \
           "trip MISSED; 0 auth queries met; revocation delay 0 MISSED" in text
    assert "  1 Redis round trip MISSED: Redis round trips per request: session 1, JWT 2" in text
    assert "  revocation delay 0 MISSED: requests accepted after revocation: session 0, JWT 1" in text
    assert "  doors within 10% MISSED: session/JWT 1.48" in text
    assert "jwt revocation redis" in text and "1 request\n" in text + "\n"


@pytest.mark.parametrize("missing", ["round_rps", "spread"])
def test_a_report_without_rounds_still_prints(missing):
    """A report saved before rounds were kept (or a run too short for any) prints its ratios without a spread."""
    rows = [measured("baseline", [100] * 4), measured("session-db", [70, 72, 71, 73], auth=1)]
    for r in rows:
        r.pop(missing)
        r.update(latency_ms={"p50": 1.0, "p95": 1.0, "p99": 1.0}, throughput_rps=100.0, requests=4,
                 bytes={"credential": 0, "request": 70}, revocation={"summary": "no credential"})
        r["ratios"]["p95"] = 1.0
        r["db_queries"] |= {"per_request": 1}
        r.setdefault("spread", {})
    lines = variants_table({"variants": rows, "baseline": "baseline", "parameters": {"rounds": 4},
                            "ranking": [], "indistinguishable": []})
    assert lines[1].split()[1] == "1.00" and "(" not in lines[1].split("  ")[1]


def test_in_process_the_ranking_compares_cpu_time():
    """CPU time per request: lower is faster, so a variant using 10% more CPU per request ranks below."""
    rows = [row("baseline", [100, 50, 100, 50], cpu=[100, 100, 100, 100], ratios={"cpu_throughput": 1.0}),
            row("heavier", [90, 55, 40, 60], cpu=[125, 124, 126, 125], ratios={"cpu_throughput": 0.8})]
    rows[0]["spread"] = {"throughput": spread([1.0] * 4), "cpu_throughput": spread([1.0] * 4)}
    rows[1]["spread"] = {"throughput": spread([0.9, 1.1, 0.4, 1.2]), "cpu_throughput": spread([0.8] * 4)}
    measure, ranked, pairs = ranking(rows)
    assert measure == "cpu_throughput" and pairs == []
    assert [(r["key"], r["ratio"], r["apart_from_next"]) for r in ranked] == [("baseline", 1.0, True),
                                                                              ("heavier", 0.8, None)]
    assert not told_apart(rows[0], rows[1], "throughput")  # its req/s, noisy, would not tell them apart
