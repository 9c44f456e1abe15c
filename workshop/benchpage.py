"""What the benchmark page says first: a few findings mapped to the article's claims, and why a token is its size;
then each ratio's spread over the rounds, which variants the run could rank, and the goal part by part — in the
words `manage.py authbench` prints.

Every number comes from the saved report; a finding whose variants were not measured in that run is left out
(never replaced by an example). Ratios are rounded one way only, Django's `floatformat` — the charts, the tables
and these findings print the same value the same way.
"""

import re

from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from bench.report import NOT_APPLICABLE_WITHOUT_REDIS
from bench.table import GOAL_TIMED, GOAL_TIMED_MISSED, GOAL_WHAT, goal_verdicts, ranking_words

# Base64url characters of each algorithm's signature: HMAC-SHA256 32 bytes, RSA-2048 256, P-256 and Ed25519 64.
SIGNATURE_CHARS = {"HS256": 43, "RS256": 342, "ES256": 86, "EdDSA": 86}
_BACKTICKS = re.compile(r"`([^`]+)`")


def times(value: float) -> str:
    """A ratio to the baseline, as every part of the page prints it."""
    return f"{floatformat(value, 2)}×"


def _rows(report: dict) -> dict:
    return {row["key"]: row for row in report.get("variants", []) if not row.get("skipped")}


def _refusal(row: dict) -> str:
    revocation = row["revocation"]
    if revocation.get("accepted_after_revoke") == 0:
        return f"refused at the very next request ({floatformat(revocation['refused_after_ms'], 1)} ms after the end)"
    return f"accepted {revocation.get('accepted_after_revoke')} more times ({revocation['summary']})"


def bench_findings(report: dict) -> list[dict]:
    """Return 3–5 findings `{"claim", "finding"}` from the measured variants of `report`."""
    rows = _rows(report)
    findings = []
    # The session door as Token Lab runs it: cached_db on Redis when the run had Redis, the database store otherwise.
    session = rows.get("session-cached-db") or rows.get("session-db")
    stateless = rows.get("jwt-stateless")
    algorithms = {entry["algorithm"]: entry["token_bytes"] for entry in report.get("algorithms") or []}
    if session and stateless:
        sizes = "; ".join(f"{name} {algorithms[name]} B" for name in ("HS256", "RS256", "EdDSA") if name in algorithms)
        findings.append({
            "claim": "A session id is 32–64 bytes; a JWT 500–1000.",
            "finding": f"The session cookie carries {session['bytes']['credential']} B, the access token "
                       f"{stateless['bytes']['credential']} B ({report['environment']['jwt_algorithm']}), on every "
                       f"request{f' — the same claims signed: {sizes}' if sizes else ''}. Below the article's range "
                       "because Token Lab's tokens hold ids and times only (see the token size section).",
        })
    if session and stateless:
        findings.append({
            "claim": "A JWT is verified with no database lookup.",
            "finding": f"JWT stateless: {stateless['db_queries']['auth']} authentication queries and "
                       f"{stateless['redis']['commands_per_request']} Redis commands per request, "
                       f"{times(stateless['ratios']['throughput'])} the baseline's throughput; the session door "
                       f"({session['label']}): {session['db_queries']['auth']} queries and "
                       f"{session['redis']['commands_per_request']} Redis commands to find its row, "
                       f"{times(session['ratios']['throughput'])}.",
        })
    if stateless:
        checked = rows.get("jwt-revocation-redis") or rows.get("jwt-revocation-db")
        after = stateless["revocation"]
        text = (f"After its logout a stateless JWT was accepted on all {after['accepted_after_revoke']} requests "
                f"tried, and would be until exp ({after.get('until_exp_s', '?')} s later)")
        if session:
            text += f"; a session was {_refusal(session)}"
        if checked:
            text += f"; with Token Lab's denylist the JWT was {_refusal(checked)} too"
        findings.append({"claim": "Sessions end at once; a JWT lives until exp without a denylist.",
                         "finding": text + "."})
    redis_check, db_check = rows.get("jwt-revocation-redis"), rows.get("jwt-revocation-db")
    if stateless and (redis_check or db_check):
        check = redis_check or db_check
        where = ("one Redis round trip" if redis_check else
                 "one database query (this run had no Redis)")
        findings.append({
            "claim": "Revocation before expiry needs a denylist — and it has a price.",
            "finding": f"Token Lab's check costs {where} per request: "
                       f"{times(check['ratios']['throughput'])} the baseline's throughput, against "
                       f"{times(stateless['ratios']['throughput'])} without it.",
        })
    logins = {entry["door"]: entry for entry in report.get("login") or []}
    if "session" in logins and "jwt" in logins:
        findings.append({
            "claim": "Both doors begin with the same expensive step.",
            "finding": f"Logging in costs {floatformat(logins['session']['ms']['p50'], 0)} ms on the session door "
                       f"and {floatformat(logins['jwt']['ms']['p50'], 0)} ms on the JWT door (median): the password "
                       "hash, deliberately slow, hundreds of times a steady-state request.",
        })
    return findings[:5]


def token_size(report: dict) -> dict | None:
    """Return why the JWT of this run is the size it is: `{"algorithm", "bytes", "claims_bytes", "rows"}`, the rows
    being the report's algorithm entries with the characters of their signature."""
    algorithms = report.get("algorithms") or []
    if not algorithms:
        return None
    rows = [{**entry, "signature": SIGNATURE_CHARS.get(entry["algorithm"]),
             "rest": entry["token_bytes"] - SIGNATURE_CHARS.get(entry["algorithm"], 0) - 1} for entry in algorithms]
    current = next((row for row in rows if row["algorithm"] == report["environment"]["jwt_algorithm"]), rows[0])
    return {"algorithm": current["algorithm"], "bytes": current["token_bytes"], "claims_bytes": current["rest"],
            "rows": rows}


def notes_html(notes: list[str]) -> list[SafeString]:
    """Return the report's notes escaped, with `code` spans shown as code rather than as raw backticks."""
    return [mark_safe(_BACKTICKS.sub(r"<code>\1</code>", str(escape(note)))) for note in notes]  # noqa: S308


# --- spreads, the ranking and the goal: what `manage.py authbench` prints, on the page --------------------------

def ratio_text(value) -> str:
    """A ratio as the page's tables print it (two places, floatformat); "—" when the run has none."""
    return "—" if value is None else floatformat(value, 2)


def spread_text(spread: dict | None) -> str:
    """The middle half of a ratio's rounds (25th to 75th percentile) as `0.70–0.78`; "—" without two rounds (a
    report saved before spreads existed has none)."""
    if not spread or spread.get("rounds", 0) < 2:
        return "—"
    return f"{floatformat(spread['p25'], 2)}–{floatformat(spread['p75'], 2)}"


def spreads_shown(report: dict) -> None:
    """Give every measured row, and each of the two doors, its ratios' spreads as the page prints them
    (`shown`), so the template needs no arithmetic."""
    for row in report.get("variants", []):
        if row.get("skipped"):
            continue
        spreads = row.get("spread") or {}
        row["shown"] = {"throughput": spread_text(spreads.get("throughput")),
                        "cpu_throughput": spread_text(spreads.get("cpu_throughput"))}
    rows = {row["key"]: row for row in report.get("variants", [])}
    for door in (report.get("doors") or {}).get("rows") or []:
        # Saved before the doors carried their spread: the variant's own row has it, when the report has any.
        spread = door.get("throughput_spread") or ((rows.get(door["key"]) or {}).get("spread") or {}).get("throughput")
        door["shown_spread"] = spread_text(spread)


def ranking_shown(report: dict) -> dict | None:
    """The ranking line of `manage.py authbench` in the page's terms: the CLI's own words (`legend`, `why`,
    `pairs_text`), each ranked variant with its ratio, its spread and whether it was told apart from the next, and
    the pairs that cannot be told apart. None when the report has no ranking (saved before it existed, or one
    variant measured)."""
    words = ranking_words(report)
    if words is None:
        return None
    entries = [{"label": entry["label"], "ratio": ratio_text(entry["ratio"]),
                "spread": spread_text({"p25": entry["p25"], "p75": entry["p75"], "rounds": 2})
                if entry.get("p25") is not None and entry.get("p75") is not None else "—",
                "apart_from_next": entry["apart_from_next"]} for entry in words["entries"]]
    return {**words, "entries": entries}


def goal_shown(report: dict) -> dict | None:
    """The goal of Token Lab's two doors part by part, in the words `manage.py authbench` prints: `line` (its
    `goal:` line), `what` (what the goal is), `parts` (each met, MISSED or n/a, and why), `timed_missed` (the note
    on the throughput parts, when one of them was missed), `measurable_met` (every part the run could measure met).

    A report saved before the goal had n/a parts still reads right: in a run without Redis the Redis round trip and
    the query-free check are n/a, for the reasons the CLI gives today.
    """
    doors = report.get("doors")
    if not doors or not doors.get("goal"):
        return None
    if "not_applicable" not in doors:
        doors = {**doors, "not_applicable": {} if doors.get("on_redis") else dict(NOT_APPLICABLE_WITHOUT_REDIS)}
    parts = goal_verdicts(doors, num=lambda value: "-" if value is None else floatformat(value, 2))
    return {"line": "goal: " + "; ".join(f"{part['short']} {part['mark']}" for part in parts), "what": GOAL_WHAT,
            "parts": parts,
            "timed_missed": GOAL_TIMED_MISSED if any(part["mark"] == "MISSED" and part["part"] in GOAL_TIMED
                                                      for part in parts) else "",
            "measurable_met": all(part["mark"] != "MISSED" for part in parts)}
