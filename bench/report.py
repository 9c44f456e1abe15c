"""The benchmark report: a JSON document of ratios to the baseline, saved as the latest report for the workshop.

Schema `tokenlab.authbench/1` (every time in ms, every size in bytes):
- `environment`, `parameters`, `notes`: what was measured, where, how;
- `baseline`: the key of the row every ratio divides by; `variants`: one row per variant, in table order,
  with `skipped` set (and nothing measured) when it could not run;
- a measured row: `requests`, `throughput_rps` (median of `slice_rps`), `throughput_rps_total`, `slice_rps`,
  `round_rps` and in-process `round_cpu_us` (per interleaved round, None where a round timed nothing),
  `latency_ms` {p50, p95, p99, mean}, in-process `cpu_us_per_request`, `ratios` {throughput, p50, p95, p99, and
  in-process cpu_throughput (the baseline's CPU per request / this one's)} — throughput and cpu_throughput are
  the medians of the per-round ratios (each round's rate divided by the baseline's in the same round) —,
  `spread` {throughput, cpu_throughput: {median, p25, p75, min, max, rounds} of those per-round ratios, or
  None}, `db_queries` {per_request, auth, mean, max, tables}, `redis` {commands_per_request, auth, mean,
  round_trips_per_request, commands}, `bytes` {credential, request}, `revocation` {kind, summary,
  accepted_after_revoke: the revocation delay in requests — how many requests the revoked credential still got
  through; 0 means the very next request was refused —, refused_after_ms, ...};
- `ranked_by`: the ratio the ranking compares — `cpu_throughput` in-process (what a busy neighbour barely
  moves), `throughput` over HTTP; `ranking`: the measured variants by that ratio, highest first, each with
  `ratio`, `p25`, `p75` and `apart_from_next` (False when the two cannot be told apart: the middle half
  (p25–p75) of their round-by-round ratio includes 1; None for the last); `indistinguishable`: every such pair;
- `login`: the password-checking request of each door's login, and the hash alone; `algorithms`: JWT sizes and
  sign/verify cost per signing algorithm;
- `doors`: Token Lab's session door and JWT door side by side (on Redis when the run has it, else on the
  database), against the goal of issue 13: each at least 0.80x the baseline, within 10% of each other and of JWT
  stateless, one Redis round trip and no authentication query per request, revocation delay 0 requests;
  `goal` says which parts were met in this run, `not_applicable` {part: why} names the parts a run without
  Redis cannot meet by design (the Redis round trip, the query-free check);
- `scale` (with `--scale`, else null): `sizes` — per number of live revocation entries: `seed_s`,
  `per_request` {variant: throughput_rps, throughput_ratio, latency_ms, db_queries, redis_commands,
  redis_round_trips, redis_server_usec}, `memory` {fields, encoding, hash_bytes, bytes_per_entry,
  server_used_bytes}, `rebuild` {leased_after_s, requests, clients, latency_ms {p50, p99, max}}; `http` {entries,
  workers, rows: [{clients, variants: {variant: throughput_rps, throughput_ratio, latency_ms}}, and `error`
  (numbers None) for a client count whose requests failed]};
  `lease_seconds`, `rebuild_chunk`, `labels`, `doors`; or {skipped: why}; each `rebuild` also has `goal`
  {leased_under_s, slowest_under_ms, met} (issue 20's recovery goal);
- `tracking` (null unless a door was measured both on Redis and with client-side caching): `pairs` [{door,
  redis, tracked: {key, label, throughput_ratio, cpu_throughput_ratio, p50_ratio, redis_round_trips,
  revocation_accepted_after}}], `on_by_default` (docs/scaling.md says why not).
"""

import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

import django
from django.conf import settings
from django.db import connection

SCHEMA = "tokenlab.authbench/1"


def stats_ms(seconds: list[float]) -> dict:
    """Return p50, mean, min and max of durations given in seconds, in milliseconds."""
    ordered = sorted(seconds)
    if not ordered:
        return {"p50": None, "mean": None, "min": None, "max": None}
    middle = ordered[(len(ordered) - 1) // 2]
    return {"p50": round(middle * 1000, 3), "mean": round(sum(ordered) / len(ordered) * 1000, 3),
            "min": round(ordered[0] * 1000, 3), "max": round(ordered[-1] * 1000, 3)}


def _ratio(value, base) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 3)


def spread(values: list[float]) -> dict | None:
    """Return the median, quartiles, minimum and maximum of per-round ratios; None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    low, _middle, high = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 \
        else (ordered[0],) * 3
    return {"median": round(statistics.median(ordered), 3), "p25": round(low, 3), "p75": round(high, 3),
            "min": round(ordered[0], 3), "max": round(ordered[-1], 3), "rounds": len(ordered)}


def _round_ratios(row: dict, base: dict, key: str, *, inverse: bool = False) -> list[float]:
    """Divide each round's figure by the baseline's in the same round (CPU time: the baseline's by the row's)."""
    ratios = []
    for mine, theirs in zip(row.get(key) or [], base.get(key) or [], strict=False):
        if mine and theirs:
            ratios.append(theirs / mine if inverse else mine / theirs)
    return ratios


# What the ranking compares: the ratio, and the per-round figure it is made of (CPU: lower per request is faster).
RANKED_BY = {"cpu_throughput": ("round_cpu_us", True), "throughput": ("round_rps", False)}


def told_apart(a: dict, b: dict, measure: str = "throughput") -> bool:
    """Tell whether two variants differ beyond the noise of this run, round by round, on `measure`.

    Their slices of one round ran moments apart, so each round gives one ratio a/b. The two are told apart when
    the middle half of those ratios (25th to 75th percentile) lies wholly above 1 or wholly below it: one was
    faster in at least three rounds out of four. Otherwise their spreads overlap and they cannot be told apart.
    """
    key, inverse = RANKED_BY[measure]
    paired = spread(_round_ratios(a, b, key, inverse=inverse))
    return paired is not None and paired["rounds"] >= 2 and (paired["p25"] > 1 or paired["p75"] < 1)


def ranking(rows: list[dict]) -> tuple[str | None, list[dict], list[list[str]]]:
    """Return what the ranking compares, the measured variants by that ratio (highest first), and the pairs that
    cannot be told apart.

    In-process the ranking compares CPU x: a neighbour's load moves req/s from one moment to the next (on a loaded
    2-core machine two runs swapped variants 20% apart), while this process's CPU time per request barely moves.
    Over HTTP the servers' CPU is not measured, and req/s x is compared.
    """
    measured = [row for row in rows if not row.get("skipped") and (row.get("spread") or {}).get("throughput")]
    if not measured:
        return None, [], []
    measure = "cpu_throughput" if all(row["spread"].get("cpu_throughput") for row in measured) else "throughput"
    measured.sort(key=lambda row: row["ratios"][measure], reverse=True)
    ranked = []
    for index, row in enumerate(measured):
        mine = row["spread"][measure]
        following = measured[index + 1] if index + 1 < len(measured) else None
        ranked.append({"key": row["key"], "label": row["label"], "ratio": row["ratios"][measure],
                       "p25": mine["p25"], "p75": mine["p75"],
                       "apart_from_next": None if following is None else told_apart(row, following, measure)})
    pairs = [[a["key"], b["key"]] for index, a in enumerate(measured) for b in measured[index + 1:]
             if not told_apart(a, b, measure)]
    return measure, ranked, pairs


def _environment() -> dict:
    return {
        "database": connection.vendor,
        "redis": bool(settings.REDIS_URL),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "jwt_algorithm": settings.JWT_ALGORITHM,
        "password_hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
        "debug_while_timing": False,
    }


GOAL_RATIO = 0.80  # each door's throughput, as a multiple of the baseline's
GOAL_SPREAD = 0.10  # the doors within 10% of each other and of JWT stateless
DOOR_PAIRS = (("session-cached-db", "jwt-revocation-redis"), ("session-db", "jwt-revocation-db"))
# The goal's parts a run without Redis cannot meet by design, and why (the benchmark page reads reports saved
# before `not_applicable` existed with these too).
NOT_APPLICABLE_WITHOUT_REDIS = {
    "one_round_trip": "no Redis in this run (embedded mode): the doors check revocation in the database; set "
                      "REDIS_URL to measure the goal's Redis round trip",
    "no_auth_query": "no Redis in this run: each door reads its session row or revocation entry from the "
                     "database (+1 query), by design; with Redis the check is a Redis command instead",
}


def doors_compare(rows: list[dict]) -> dict | None:
    """Return Token Lab's two doors side by side, and each part of the goal met or not; None if not measured."""
    by_key = {row["key"]: row for row in rows if not row.get("skipped")}
    pair = next(((s, j) for s, j in DOOR_PAIRS if s in by_key and j in by_key), None)
    if pair is None:
        return None
    stateless = by_key.get("jwt-stateless")
    doors = {}
    for door, key in zip(("session", "jwt"), pair, strict=True):
        row = by_key[key]
        doors[door] = {"key": key, "label": row["label"], "throughput_ratio": row["ratios"]["throughput"],
                       "cpu_throughput_ratio": row["ratios"].get("cpu_throughput"),
                       "p50_ratio": row["ratios"]["p50"], "p99_ratio": row["ratios"]["p99"],
                       "redis_round_trips": row["redis"]["round_trips_per_request"],
                       "redis_commands": row["redis"]["commands_per_request"],
                       "auth_queries": row["db_queries"]["auth"],
                       "revocation_accepted_after": row["revocation"].get("accepted_after_revoke")}
    session, jwt = doors["session"]["throughput_ratio"], doors["jwt"]["throughput_ratio"]
    reference = stateless["ratios"]["throughput"] if stateless else None

    def within(a, b):
        return a is not None and b is not None and abs(a - b) <= GOAL_SPREAD * max(a, b)

    on_redis = pair[0] == DOOR_PAIRS[0][0]
    not_applicable = {} if on_redis else dict(NOT_APPLICABLE_WITHOUT_REDIS)
    for door in doors.values():
        door["throughput_spread"] = by_key[door["key"]].get("spread", {}).get("throughput")
    goal = {
        "at_least_0_80": all(d["throughput_ratio"] is not None and d["throughput_ratio"] >= GOAL_RATIO
                             for d in doors.values()),
        "doors_within_10pct": within(session, jwt),
        "within_10pct_of_stateless": within(session, reference) and within(jwt, reference),
        "one_round_trip": on_redis and all(d["redis_round_trips"] == 1 for d in doors.values()),
        "no_auth_query": all(d["auth_queries"] == 0 for d in doors.values()),
        "revocation_delay_0": all(d["revocation_accepted_after"] == 0 for d in doors.values()),
    }
    return {"on_redis": on_redis, "session": doors["session"], "jwt": doors["jwt"],
            "stateless_cpu_ratio": stateless["ratios"].get("cpu_throughput") if stateless else None,
            "rows": [doors["session"], doors["jwt"]],
            "stateless_ratio": reference,
            "session_to_jwt": round(session / jwt, 3) if session and jwt else None,
            "doors_apart": told_apart(by_key[pair[0]], by_key[pair[1]]),  # on req/s, as the goal compares them
            "goal": goal, "goal_met": all(goal.values()), "not_applicable": not_applicable}


TRACKING_PAIRS = (("session", "session-cached-db", "session-cached-db-tracking"),
                  ("jwt", "jwt-revocation-redis", "jwt-revocation-tracking"))
TRACKING_DEFAULT = False  # docs/scaling.md: the invalidation races the next request; the store promises 0


def tracking_compare(rows: list[dict]) -> dict | None:
    """Return the client-side caching experiment beside each door on Redis (issue 20): for each door measured both
    ways, its Redis row and its tracked row; None if no pair was measured."""
    by_key = {row["key"]: row for row in rows if not row.get("skipped")}
    pairs = []
    for door, plain, tracked in TRACKING_PAIRS:
        if plain not in by_key or tracked not in by_key:
            continue
        pairs.append({"door": door, **{side: {
            "key": key, "label": by_key[key]["label"], "throughput_ratio": by_key[key]["ratios"]["throughput"],
            "cpu_throughput_ratio": by_key[key]["ratios"].get("cpu_throughput"),
            "p50_ratio": by_key[key]["ratios"]["p50"],
            "redis_round_trips": by_key[key]["redis"]["round_trips_per_request"],
            "revocation_accepted_after": by_key[key]["revocation"].get("accepted_after_revoke")}
            for side, key in (("redis", plain), ("tracked", tracked))}})
    if not pairs:
        return None
    return {"pairs": pairs, "on_by_default": TRACKING_DEFAULT}


def report_build(*, rows: list[dict], login: list[dict], algorithms: list[dict], parameters: dict,
                 notes: list[str], seconds: float, scale: dict | None = None) -> dict:
    """Assemble the report and add every ratio to the baseline (the first row)."""
    base = rows[0]
    for row in rows:
        if row.get("skipped"):
            continue
        row["ratios"] = {"throughput": _ratio(row["throughput_rps"], base["throughput_rps"])} | {
            p: _ratio(row["latency_ms"][p], base["latency_ms"][p]) for p in ("p50", "p95", "p99")}
        row["spread"] = {"throughput": spread(_round_ratios(row, base, "round_rps")),
                         "cpu_throughput": spread(_round_ratios(row, base, "round_cpu_us", inverse=True))}
        if row["spread"]["throughput"]:
            # Round by round: a neighbour that slows the machine for a while slows the baseline's slice of that
            # round too, so the median of the rounds' ratios moves less than the ratio of the two medians.
            row["ratios"]["throughput"] = row["spread"]["throughput"]["median"]
        if row.get("cpu_us_per_request") and base.get("cpu_us_per_request"):
            # Throughput as CPU time allows it: the baseline's CPU per request over this variant's.
            row["ratios"]["cpu_throughput"] = _ratio(base["cpu_us_per_request"], row["cpu_us_per_request"])
            if row["spread"]["cpu_throughput"]:
                row["ratios"]["cpu_throughput"] = row["spread"]["cpu_throughput"]["median"]
        row["db_queries"]["auth"] = row["db_queries"]["per_request"] - base["db_queries"]["per_request"]
        row["redis"]["auth"] = row["redis"]["commands_per_request"] - base["redis"]["commands_per_request"]
    base_p50 = base["latency_ms"]["p50"]
    for entry in login:
        entry["ratio_to_baseline_request"] = _ratio(entry["ms"]["p50"], base_p50)
    mode = "over HTTP against gunicorn on 127.0.0.1" if parameters["mode"] == "http" \
        else "in-process with Django's test Client"
    services = connection.vendor + (" and Redis" if settings.REDIS_URL else " without Redis")
    ranked_by, ranked, indistinguishable = ranking(rows)
    return {
        "schema": SCHEMA,
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "environment": _environment(),
        "parameters": parameters | {"total_seconds": round(seconds, 1)},
        "baseline": base["key"],
        "variants": rows,
        "ranked_by": ranked_by,
        "ranking": ranked,
        "indistinguishable": indistinguishable,
        "doors": doors_compare(rows),
        "tracking": tracking_compare(rows),
        "login": login,
        "algorithms": algorithms,
        "scale": scale,
        "notes": [
            f"Measured {mode}, against {services}.",
            "Ratios divide by the baseline measured in the same run: req/s below 1 and latency above 1 mean "
            "slower than the baseline. Absolute times are for this machine and this run only.",
            "req/s x is the median over the interleaved rounds of the variant's rate divided by the baseline's in the "
            "same round; CPU x likewise with this process's CPU time per request (in-process only: it leaves out "
            "the database server's and Redis's own work; SQLite's is in it). The spread in brackets is the middle "
            "half of those rounds (25th to 75th percentile). Two variants are told apart when one was faster than "
            "the other in the same round in at least three rounds out of four (the middle half of their "
            "round-by-round ratio lies wholly above or below 1); otherwise their spreads overlap and this run "
            "cannot rank them. More rounds (--rounds, --duration) separate closer variants.",
            "revocation delay: how many requests the revoked credential still got through after the revoking "
            "request (0: the very next request was refused), and the time from the revoking request to the "
            "refusal; a credential nothing revokes lives until its exp.",
            "DB queries and Redis commands are those of the typical request (the mode); `auth` subtracts what the "
            "baseline needs for the same resource.",
            *notes,
        ],
    }


# --- the saved latest report ------------------------------------------------------------------------------------
def latest_report_path() -> Path:
    """Where the latest report is saved: `settings.AUTHBENCH_REPORT`, else bench/reports/latest.json."""
    return Path(getattr(settings, "AUTHBENCH_REPORT", Path(settings.BASE_DIR) / "bench" / "reports" / "latest.json"))


def report_save(report: dict, path: Path) -> None:
    """Write the report as JSON (atomically: a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(report, indent=2) + "\n")
    temporary.replace(path)


def report_load(path: Path | None = None) -> tuple[dict | None, str | None]:
    """Return (report, None), or (None, why not): no file yet, unreadable, or not an authbench report."""
    path = Path(path or latest_report_path())
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as exc:
        return None, f"The saved report {path.name} could not be read ({exc.__class__.__name__})."
    if not isinstance(report, dict) or report.get("schema") != SCHEMA or not isinstance(report.get("variants"), list):
        return None, f"The saved report {path.name} is not a {SCHEMA} report."
    return report, None
