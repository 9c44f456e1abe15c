"""Render a report as the plain-text tables `manage.py authbench` prints."""


def _num(value, digits: int = 2, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}{suffix}"


def _with_spread(value, spread: dict | None) -> str:
    """A ratio and the middle half of its per-round values: `0.74 (0.70-0.78)`."""
    if value is None:
        return "-"
    if not spread or spread["rounds"] < 2:
        return _num(value)
    return f"{_num(value)} ({_num(spread['p25'])}-{_num(spread['p75'])})"


def _wrap(text: str, width: int = 118, indent: str = "  ") -> list[str]:
    """Break a long line at spaces (its own leading spaces kept), continuation lines indented."""
    lead = text[:len(text) - len(text.lstrip(" "))]
    lines, line = [], lead
    for word in text.lstrip(" ").split(" "):
        if line.strip() and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}" if line.strip() else line + word
    return [*lines, line]


def _columns(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                      for i, cell in enumerate(row)).rstrip() for row in rows]


def variants_table(report: dict) -> list[str]:
    header = ["variant", "req/s x (spread)", "CPU x (spread)", "p50 x", "p95 x", "p99 x", "DB q/req", "auth q",
              "Redis cmd/req", "Redis RT", "cred B", "request B", "revocation delay"]
    rows = [header]
    skipped = []
    for row in report["variants"]:
        if row.get("skipped"):
            skipped.append(f"  {row['label']}: {row['skipped']}")
            continue
        ratios, db, redis = row["ratios"], row["db_queries"], row["redis"]
        spreads = row.get("spread") or {}
        rows.append([
            row["label"], _with_spread(ratios["throughput"], spreads.get("throughput")),
            _with_spread(ratios.get("cpu_throughput"), spreads.get("cpu_throughput")), _num(ratios["p50"]),
            _num(ratios["p95"]),
            _num(ratios["p99"]), str(db["per_request"]), f"{db['auth']:+d}", str(redis["commands_per_request"]),
            str(redis["round_trips_per_request"]),
            str(row["bytes"]["credential"]) if row["bytes"]["credential"] else "-", str(row["bytes"]["request"]),
            row["revocation"]["summary"],
        ])
    lines = _columns(rows, right=set(range(1, 12)))
    base = next(r for r in report["variants"] if r["key"] == report["baseline"])
    latency = base["latency_ms"]
    lines.append("")
    lines.append(f"baseline, absolute (this machine, this run): {base['throughput_rps']:.1f} req/s, "
                 f"p50 {latency['p50']:.3f} ms, p95 {latency['p95']:.3f} ms, p99 {latency['p99']:.3f} ms, "
                 f"{base['requests']} requests")
    lines += ranking_lines(report)
    if skipped:
        lines += ["", "not measured:", *skipped]
    return lines


RANKED_MEASURES = {"cpu_throughput": "CPU x", "throughput": "req/s x"}


def ranking_words(report: dict) -> dict | None:
    """What the ranking says, in the words the CLI prints and the benchmark page shows; None under two variants.

    `measure` (CPU x or req/s x), `legend` (what > and ≈ mean), `why` (why in-process ranks by CPU x, or ""),
    `entries` [{label, ratio, p25, p75, apart_from_next}] highest first, `pairs` [(label, label)] that cannot be told
    apart, and `pairs_text`: the sentence that introduces them, or the one that says every two were told apart.
    """
    ranked = report.get("ranking") or []
    if len(ranked) < 2:
        return None
    measure = RANKED_MEASURES[report.get("ranked_by") or "throughput"]
    labels = {row["key"]: row["label"] for row in report["variants"]}
    pairs = [(labels[a], labels[b]) for a, b in report.get("indistinguishable") or []]
    return {
        "measure": measure,
        "legend": f"ranking by {measure} over {report['parameters']['rounds']} rounds (>: faster in at least 3 rounds "
                  "of 4; ≈: cannot be told apart)",
        "why": "in-process the ranking uses CPU x, which a busy neighbour barely moves, unlike req/s x"
               if measure == "CPU x" else "",
        "entries": ranked,
        "pairs": pairs,
        "pairs_text": f"cannot be told apart on {measure} in this run (neither was faster in 3 rounds of 4)" if pairs
                      else "every two variants are told apart in this run (one was faster in at least 3 rounds of 4)",
    }


def ranking_lines(report: dict) -> list[str]:
    """The variants by req/s x, with `>` between two told apart and `≈` between two that cannot be."""
    words = ranking_words(report)
    if words is None:
        return []
    ranked = words["entries"]
    chain = ranked[0]["label"] + f" {_num(ranked[0]['ratio'])}"
    for before, entry in zip(ranked, ranked[1:], strict=False):
        chain += f" {'>' if before['apart_from_next'] else '≈'} {entry['label']} {_num(entry['ratio'])}"
    why = f" — {words['why']}" if words["why"] else ""
    lines = ["", *_wrap(f"{words['legend']}{why}: {chain}")]
    if words["pairs"]:
        lines += _wrap(f"{words['pairs_text']}: " + "; ".join(f"{a} and {b}" for a, b in words["pairs"]))
    else:
        lines.append(words["pairs_text"])
    return lines


def login_table(report: dict) -> list[str]:
    rows = [["login (measured apart from the steady state)", "p50 ms", "mean ms", "x baseline request"]]
    for entry in report["login"]:
        ratio = entry.get("ratio_to_baseline_request")
        rows.append([entry["label"], _num(entry["ms"]["p50"], 1), _num(entry["ms"]["mean"], 1),
                     "-" if entry["door"] == "hash" else _num(ratio, 0)])
    return _columns(rows, right={1, 2, 3})


def algorithms_table(report: dict) -> list[str]:
    rows = [["JWT algorithm (access token)", "token B", "request B", "sign us", "verify us", "verify x HS256"]]
    for entry in report["algorithms"]:
        rows.append([entry["algorithm"], str(entry["token_bytes"]), str(entry["request_bytes"]),
                     _num(entry["sign_us"], 1), _num(entry["verify_us"], 1), _num(entry["verify_ratio"])])
    return _columns(rows, right={1, 2, 3, 4, 5})


def doors_table(report: dict) -> list[str]:
    doors = report.get("doors")
    if not doors:
        return []
    where = "Redis" if doors["on_redis"] else "the database (no Redis in this run)"
    rows = [[f"Token Lab's two doors, on {where}", "req/s x (spread)", "CPU x", "p50 x", "p99 x", "Redis RT",
             "auth q", "revocation delay"]]
    for door in ("session", "jwt"):
        d = doors[door]
        delay = d["revocation_accepted_after"]
        rows.append([d["label"], _with_spread(d["throughput_ratio"], d.get("throughput_spread")),
                     _num(d.get("cpu_throughput_ratio")), _num(d["p50_ratio"]), _num(d["p99_ratio"]),
                     str(d["redis_round_trips"]), f"{d['auth_queries']:+d}",
                     "-" if delay is None else f"{delay} request{'' if delay == 1 else 's'}"])
    lines = _columns(rows, right={1, 2, 3, 4, 5, 6})
    lines.append(f"session/JWT throughput: {_num(doors['session_to_jwt'])}"
                 f"{'' if doors.get('doors_apart', True) else ' (cannot be told apart in this run)'}; "
                 f"JWT stateless: {_num(doors['stateless_ratio'])}x (CPU: {_num(doors.get('stateless_cpu_ratio'))}x)")
    return lines + goal_lines(doors)


GOAL_PARTS = (
    ("at_least_0_80", ">= 0.80x baseline", "each door serves at least 0.80x the baseline's req/s"),
    ("doors_within_10pct", "doors within 10%", "the two doors' req/s within 10% of each other"),
    ("within_10pct_of_stateless", "within 10% of stateless", "both within 10% of JWT stateless (no check at all)"),
    ("one_round_trip", "1 Redis round trip", "one Redis round trip per request, session and revocation check "
                                             "together"),
    ("no_auth_query", "0 auth queries", "no database query to authenticate a request"),
    ("revocation_delay_0", "revocation delay 0", "a revoked credential refused at the very next request"),
)


GOAL_WHAT = ("what the goal is: Token Lab's design target for its two doors in production mode (on Redis): "
             + "; ".join(long for _part, _short, long in GOAL_PARTS) + ".")
GOAL_TIMED = {"at_least_0_80", "doors_within_10pct", "within_10pct_of_stateless"}
GOAL_TIMED_MISSED = ("the throughput parts compare medians over the rounds: on a loaded machine, and in-process (where "
                     "every request also carries the test client's own cost), they come out lower and wider than on a "
                     "quiet server; read them with their spreads above")


def goal_verdicts(doors: dict, num=_num) -> list[dict]:
    """Each part of the goal: `part`, `short` (its name), `long` (what it asks), `mark` (met, MISSED or n/a) and
    `why` ("" when met; the figures when missed; the reason when n/a) — what the CLI prints and the page shows.

    `num` formats a ratio (the CLI: two places; the benchmark page: its own one rounding, Django's floatformat).
    """
    goal, not_applicable = doors["goal"], doors.get("not_applicable") or {}
    session, jwt = doors["session"], doors["jwt"]
    stateless = doors["stateless_ratio"]
    why = {
        "at_least_0_80": f"session {num(session['throughput_ratio'])}x, JWT {num(jwt['throughput_ratio'])}x",
        "doors_within_10pct": f"session/JWT {num(doors['session_to_jwt'])}",
        "within_10pct_of_stateless": f"JWT stateless {num(stateless)}x; session "
                                     f"{num(session['throughput_ratio'])}x, JWT {num(jwt['throughput_ratio'])}x",
        "one_round_trip": f"Redis round trips per request: session {session['redis_round_trips']}, JWT "
                          f"{jwt['redis_round_trips']}",
        "no_auth_query": f"authentication queries per request: session {session['auth_queries']:+d}, JWT "
                         f"{jwt['auth_queries']:+d}",
        "revocation_delay_0": f"requests accepted after revocation: session "
                              f"{session['revocation_accepted_after']}, JWT {jwt['revocation_accepted_after']}",
    }
    verdicts = []
    for part, short, long in GOAL_PARTS:
        if part in not_applicable:
            mark, reason = "n/a", not_applicable[part]
        else:
            mark, reason = ("met", "") if goal[part] else ("MISSED", why[part])
        verdicts.append({"part": part, "short": short, "long": long, "mark": mark, "why": reason})
    return verdicts


def goal_lines(doors: dict) -> list[str]:
    """The goal's verdict in one line, then what the goal is and why each part not met was missed (or n/a)."""
    verdicts = goal_verdicts(doors)
    lines = ["goal: " + "; ".join(f"{v['short']} {v['mark']}" for v in verdicts)]
    lines += _wrap(f"  {GOAL_WHAT}", indent="    ")
    for verdict in verdicts:
        if verdict["mark"] != "met":
            lines += _wrap(f"  {verdict['short']} {verdict['mark']}: {verdict['why']}", indent="    ")
    if any(v["mark"] == "MISSED" and v["part"] in GOAL_TIMED for v in verdicts):
        lines += _wrap(f"  {GOAL_TIMED_MISSED}", indent="    ")
    return lines


def scale_table(report: dict) -> list[str]:
    scale = report.get("scale")
    if not scale:
        return []
    if scale.get("skipped"):
        return [f"scale: {scale['skipped']}"]
    labels = scale["labels"]
    rows = [["live revocation entries", "variant", "req/s x", "p50 ms", "p99 ms", "Redis RT", "DB q",
             "server us/call"]]
    for size in scale["sizes"]:
        for key, row in size["per_request"].items():
            usec = ", ".join(f"{c} {v:g}" for c, v in row["redis_server_usec"].items()) or "-"
            rows.append([f"{size['entries']:,}", labels[key], _num(row["throughput_ratio"]),
                         _num(row["latency_ms"]["p50"], 3), _num(row["latency_ms"]["p99"], 3),
                         str(row["redis_round_trips"]), str(row["db_queries"]), usec])
    lines = _columns(rows, right={0, 2, 3, 4, 5, 6})
    rows = [["live revocation entries", "seeded in s", "hash bytes", "B/entry", "encoding", "rebuilt (leased) in s",
             "requests meanwhile", "p50 ms", "p99 ms", "max ms"]]
    for size in scale["sizes"]:
        memory, rebuild = size["memory"], size["rebuild"]
        latency = rebuild["latency_ms"] or {}
        rows.append([f"{size['entries']:,}", _num(size["seed_s"]), f"{memory['hash_bytes']:,}",
                     _num(memory["bytes_per_entry"], 1), str(memory["encoding"]), _num(rebuild["leased_after_s"], 3),
                     str(rebuild["requests"]), _num(latency.get("p50"), 1), _num(latency.get("p99"), 1),
                     _num(latency.get("max"), 1)])
    lines += ["", *_columns(rows, right={0, 1, 2, 3, 5, 6, 7, 8, 9})]
    lines.append(f"(lease {scale['lease_seconds']} s; the copy is rebuilt by the requests that find it gone, "
                 f"{scale['rebuild_chunk'] or 'all'} entries per request; requests meanwhile come from "
                 f"{scale['sizes'][0]['rebuild']['clients'] if scale['sizes'] else '-'} in-process clients)")
    goals = [f"{size['entries']:,} {'met' if size['rebuild']['goal']['met'] else 'MISSED'}"
             for size in scale["sizes"] if size["rebuild"].get("goal")]
    if goals:
        lines.append("recovery goal (leased again < 10 s, no request > 0.5 s meanwhile): " + "; ".join(goals))
    http = scale["http"]
    rows = [[f"HTTP, {http['entries']:,} entries, {http['workers']} workers", *[
        f"{labels[k]}" for k in http["rows"][0]["variants"]]]] if http["rows"] else []
    for row in http["rows"]:
        rows.append([f"{row['clients']} client(s)", *[
            f"{v['throughput_rps']:.0f} req/s ({_num(v['throughput_ratio'])}x) p99 {v['latency_ms']['p99']:.1f} ms"
            if v["throughput_rps"] else f"- ({row.get('error', 'not measured')})" for v in row["variants"].values()]])
    if rows:
        lines += ["", *_columns(rows, right=set())]
    return lines


def report_text(report: dict) -> str:
    """Return every table of the report, with a title line and the report's notes."""
    params, env = report["parameters"], report["environment"]
    bound = f"{params['duration_s']:g} s" + (f" or {params['requests']} requests" if params["requests"] else "")
    title = (f"Token Lab authbench: {params['mode']}, {env['database']}"
             f"{' + Redis' if env['redis'] else ', no Redis'}, {params['rounds']} interleaved rounds, "
             f"{bound} per variant, JWT {env['jwt_algorithm']}, {params['total_seconds']:g} s in all")
    lines = [title, "ratios are to the baseline measured in this run (x = times the baseline)", ""]
    lines += variants_table(report)
    if report.get("doors"):
        lines += ["", *doors_table(report)]
    if report.get("scale"):
        lines += ["", *scale_table(report)]
    if report["login"]:
        lines += ["", *login_table(report)]
    if report["algorithms"]:
        lines += ["", *algorithms_table(report)]
    lines += ["", *[f"note: {note}" for note in report["notes"]]]
    return "\n".join(lines) + "\n"
