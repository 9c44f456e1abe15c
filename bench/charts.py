"""Turn a saved report into the page's bar charts, drawn by the project's vendored Chart.js (nothing fetched).

Every bar is a number from the report; a variant that was not measured gets no bar, only its reason. Each chart
also lists its numbers as text beside the canvas, so they read the same without script. The throughput chart also
draws each ratio's spread — the middle half of the rounds' ratios, 25th to 75th percentile — as a thin dark range
across its bar, and prints it beside the median: shape and text, not colour, tell it apart.
"""

from dataclasses import dataclass

from django.template.defaultfilters import floatformat

DOOR_COLOURS = {"none": "#8a93a6", "session": "#1f7a5a", "jwt": "#6a3fb5", "drf-token": "#a15c00"}


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    value: float
    door: str
    low: float | None = None  # the middle half of the rounds, drawn as a range; None when the report has none
    high: float | None = None

    @property
    def colour(self) -> str:
        return DOOR_COLOURS.get(self.door, "#5b6475")


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    caption: str
    bars: list[Bar]
    note: str = ""  # how to read the chart's ranges, when it has any

    @property
    def height(self) -> int:
        """Pixels of the canvas box: one row per bar, plus the axis."""
        return len(self.bars) * 28 + 40

    def data(self) -> dict:
        """Return what the page's script hands Chart.js (a horizontal bar chart)."""
        return {"id": self.id, "labels": [b.label for b in self.bars], "values": [b.value for b in self.bars],
                "colours": [b.colour for b in self.bars], "texts": [b.text for b in self.bars],
                "ranges": [None if b.low is None else [b.low, b.high] for b in self.bars],
                "range_label": "middle half of the rounds (25th to 75th percentile)"}

    @property
    def has_ranges(self) -> bool:
        return any(b.low is not None for b in self.bars)


def _chart(chart_id: str, title: str, caption: str, rows: list[dict], value, text, plot=None) -> Chart:
    """`text` formats a value for reading; `plot` (default: the value) is what the bar's length shows, so a
    rounded ratio is drawn as it reads."""
    values = [(row, value(row)) for row in rows]
    values = [(row, v) for row, v in values if v is not None]
    bars = [Bar(label=row["label"], text=text(v), value=(plot or (lambda x: x))(v), door=row["door"])
            for row, v in values]
    return Chart(chart_id, title, caption, bars)


def report_charts(report: dict) -> list[Chart]:
    """Return the page's charts: throughput, p50 and p99 as ratios to the baseline, round trips, bytes (Redis
    commands only when the run had Redis)."""
    rows = [row for row in report["variants"] if not row.get("skipped")]

    def ratio(name):
        return lambda row: row["ratios"][name]

    def times(v):
        return f"{floatformat(v, 2)}×"  # the tables' rounding (floatformat), so a ratio reads the same everywhere

    def rounded(v):
        return float(floatformat(v, 2))

    charts = [
        _throughput_chart(rows, times, rounded),
        _chart("bench-p50", "Median latency (p50)", "As a multiple of the baseline's median (longer is slower).",
               rows, ratio("p50"), times, rounded),
        _chart("bench-p99", "Tail latency (p99)", "As a multiple of the baseline's p99 (longer is slower; tails are "
               "noisy).", rows, ratio("p99"), times, rounded),
        _chart("bench-queries", "Database queries per request", "The typical request, the baseline's notes query "
               "included.", rows, lambda row: row["db_queries"]["per_request"], lambda v: str(v)),
        _chart("bench-bytes", "Bytes of the request", "The whole HTTP/1.1 request: request line, Host and the "
               "credential.", rows, lambda row: row["bytes"]["request"], lambda v: f"{v} B"),
    ]
    if report["environment"].get("redis"):  # without Redis nothing was measured there: no chart of zeros
        charts.insert(4, _chart("bench-redis", "Redis commands per request", "The typical request.",
                                rows, lambda row: row["redis"]["commands_per_request"], lambda v: str(v)))
    return charts


def _throughput_chart(rows: list[dict], times, rounded) -> Chart:
    """Throughput as a multiple of the baseline: the median of the rounds' ratios as the bar, the middle half of
    them as a range across it and as text (`0.95× (0.90–1.00)`). A report saved before spreads has bars only."""
    bars = []
    for row in rows:
        value = row["ratios"]["throughput"]
        if value is None:
            continue
        spread = (row.get("spread") or {}).get("throughput")
        if spread and spread.get("rounds", 0) >= 2:
            low, high = rounded(spread["p25"]), rounded(spread["p75"])
            text = f"{times(value)} (middle half {floatformat(spread['p25'], 2)}–{floatformat(spread['p75'], 2)})"
        else:
            low = high = None
            text = times(value)
        bars.append(Bar(label=row["label"], text=text, value=rounded(value), door=row["door"], low=low, high=high))
    chart = Chart("bench-throughput", "Throughput", "Requests per second, as a multiple of the baseline (longer is "
                  "faster): the median over the rounds of the variant's rate divided by the baseline's in the same "
                  "round.", bars)
    if chart.has_ranges:
        chart = Chart(chart.id, chart.title, chart.caption, bars,
                      note="The thin dark line across each bar spans the middle half of the rounds (25th to 75th "
                           "percentile): where two variants' lines overlap, this run may not tell them apart (the "
                           "ranking below says which).")
    return chart


def scale_charts(report: dict) -> list[dict]:
    """Return the `--scale` section's charts as Chart.js configurations' data (the page draws them with the vendored
    Chart.js); [] when the report has no measured scale section. Every point is a number from the report."""
    scale = report.get("scale") or {}
    sizes = scale.get("sizes") or []
    if not sizes:
        return []
    labels = scale["labels"]
    doors = [key for key in sizes[0]["per_request"] if key != "baseline"]
    size_labels = [f"{size['entries']:,}" for size in sizes]

    def series(key, value):
        return {"label": labels[key], "colour": DOOR_COLOURS.get(_door(key), "#5b6475"),
                "data": [value(size, key) for size in sizes]}

    charts = [
        {"id": "scale-throughput", "type": "line", "title": "Per-request cost as entries grow",
         "caption": "Throughput of each door as a multiple of the baseline, per number of live revocation entries.",
         "x": "live revocation entries", "y": "× baseline req/s", "labels": size_labels,
         "datasets": [series(k, lambda s, k: s["per_request"][k]["throughput_ratio"]) for k in doors]},
        {"id": "scale-latency", "type": "line", "title": "p99 latency as entries grow",
         "caption": "Tail latency of single requests, in milliseconds (baseline included).",
         "x": "live revocation entries", "y": "p99 ms", "labels": size_labels,
         "datasets": [series(k, lambda s, k: s["per_request"][k]["latency_ms"]["p99"])
                      for k in ["baseline", *doors]]},
        {"id": "scale-memory", "type": "bar", "title": "Redis memory of the revocation copy",
         "caption": "MEMORY USAGE of the one hash, in MiB (exact, SAMPLES 0).",
         "x": "live revocation entries", "y": "MiB", "labels": size_labels,
         "datasets": [{"label": "revocation hash", "colour": "#b03a2e",
                       "data": [round(s["memory"]["hash_bytes"] / 2**20, 3) for s in sizes]}]},
        {"id": "scale-rebuild", "type": "bar", "title": "Rebuilding the copy after a flush",
         "caption": f"Seconds until the rebuilt copy held a lease again (lease: {scale['lease_seconds']} s), and the "
                    "p99 and slowest request meanwhile, in seconds.",
         "x": "live revocation entries", "y": "seconds", "labels": size_labels,
         "datasets": [
             {"label": "until leased", "colour": "#b03a2e", "data": [s["rebuild"]["leased_after_s"] for s in sizes]},
             {"label": "p99 request meanwhile", "colour": "#1f7a5a",
              "data": [_seconds((s["rebuild"]["latency_ms"] or {}).get("p99")) for s in sizes]},
             {"label": "slowest request meanwhile", "colour": "#6a3fb5",
              "data": [_seconds((s["rebuild"]["latency_ms"] or {}).get("max")) for s in sizes]},
         ]},
    ]
    http = scale.get("http") or {}
    if http.get("rows"):
        keys = list(http["rows"][0]["variants"])
        charts.append({
            "id": "scale-http", "type": "line", "title": "Throughput over HTTP by concurrent clients",
            "caption": f"Requests per second against gunicorn ({http['workers']} sync workers per server) on "
                       f"127.0.0.1, with {http['entries']:,} live revocation entries.",
            "x": "concurrent clients", "y": "req/s", "labels": [str(r["clients"]) for r in http["rows"]],
            "datasets": [{"label": labels[k], "colour": DOOR_COLOURS.get(_door(k), "#5b6475"),
                          "data": [r["variants"][k]["throughput_rps"] for r in http["rows"]]} for k in keys]})
    return charts


def _door(key: str) -> str:
    return "none" if key == "baseline" else key.split("-", 1)[0]


def _seconds(ms):
    return round(ms / 1000, 3) if ms is not None else None
