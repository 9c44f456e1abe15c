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
    header = ["variant", "req/s x", "p50 x", "p95 x", "p99 x", "DB q/req", "auth q", "Redis cmd/req",
              "cred B", "request B", "revocation delay"]
    rows = [header]
    skipped = []
    for row in report["variants"]:
        if row.get("skipped"):
            skipped.append(f"  {row['label']}: {row['skipped']}")
            continue
        ratios, db, redis = row["ratios"], row["db_queries"], row["redis"]
        rows.append([
            row["label"], _num(ratios["throughput"]), _num(ratios["p50"]), _num(ratios["p95"]),
            _num(ratios["p99"]), str(db["per_request"]), f"{db['auth']:+d}", str(redis["commands_per_request"]),
            str(row["bytes"]["credential"]) if row["bytes"]["credential"] else "-", str(row["bytes"]["request"]),
            row["revocation"]["summary"],
        ])
    lines = _columns(rows, right=set(range(1, 10)))
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


def report_text(report: dict) -> str:
    """Return every table of the report, with a title line and the report's notes."""
    params, env = report["parameters"], report["environment"]
    bound = f"{params['duration_s']:g} s" + (f" or {params['requests']} requests" if params["requests"] else "")
    title = (f"Token Lab authbench: {params['mode']}, {env['database']}"
             f"{' + Redis' if env['redis'] else ', no Redis'}, {params['rounds']} interleaved rounds, "
             f"{bound} per variant, JWT {env['jwt_algorithm']}, {params['total_seconds']:g} s in all")
    lines = [title, "ratios are to the baseline measured in this run (x = times the baseline)", ""]
    lines += variants_table(report)
    if report["login"]:
        lines += ["", *login_table(report)]
    if report["algorithms"]:
        lines += ["", *algorithms_table(report)]
    lines += ["", *[f"note: {note}" for note in report["notes"]]]
    return "\n".join(lines) + "\n"
