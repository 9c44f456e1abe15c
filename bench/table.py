"""Render a report as the plain-text tables `manage.py authbench` prints."""


def _num(value, digits: int = 2, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}{suffix}"


def _columns(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                      for i, cell in enumerate(row)).rstrip() for row in rows]


def variants_table(report: dict) -> list[str]:
    header = ["variant", "req/s x", "CPU x", "p50 x", "p95 x", "p99 x", "DB q/req", "auth q", "Redis cmd/req",
              "Redis RT", "cred B", "request B", "revocation delay"]
    rows = [header]
    skipped = []
    for row in report["variants"]:
        if row.get("skipped"):
            skipped.append(f"  {row['label']}: {row['skipped']}")
            continue
        ratios, db, redis = row["ratios"], row["db_queries"], row["redis"]
        rows.append([
            row["label"], _num(ratios["throughput"]), _num(ratios.get("cpu_throughput")), _num(ratios["p50"]),
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
    if skipped:
        lines += ["", "not measured:", *skipped]
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
    rows = [[f"Token Lab's two doors, on {where}", "req/s x", "CPU x", "p50 x", "p99 x", "Redis RT", "auth q",
             "revoked after"]]
    for door in ("session", "jwt"):
        d = doors[door]
        rows.append([d["label"], _num(d["throughput_ratio"]), _num(d.get("cpu_throughput_ratio")),
                     _num(d["p50_ratio"]), _num(d["p99_ratio"]),
                     str(d["redis_round_trips"]), f"{d['auth_queries']:+d}",
                     f"{d['revocation_accepted_after']} requests"])
    lines = _columns(rows, right={1, 2, 3, 4, 5, 6})
    goal = doors["goal"]
    marks = {True: "met", False: "MISSED"}
    lines.append(f"session/JWT throughput: {_num(doors['session_to_jwt'])}; JWT stateless: "
                 f"{_num(doors['stateless_ratio'])}x (CPU: {_num(doors.get('stateless_cpu_ratio'))}x)")
    lines.append("goal: " + "; ".join([
        f">= 0.80x baseline {marks[goal['at_least_0_80']]}",
        f"doors within 10% {marks[goal['doors_within_10pct']]}",
        f"within 10% of stateless {marks[goal['within_10pct_of_stateless']]}",
        f"1 Redis round trip {marks[goal['one_round_trip']]}",
        f"0 auth queries {marks[goal['no_auth_query']]}",
        f"revocation delay 0 {marks[goal['revocation_delay_0']]}",
    ]))
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
