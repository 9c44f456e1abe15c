"""Turn a saved report into bar charts the workshop page draws as inline SVG (no script, nothing fetched).

Every bar is a number from the report; a variant that was not measured gets no bar, only its reason.
"""

from dataclasses import dataclass

LABEL_WIDTH = 250  # px of the SVG given to the variant names
BAR_WIDTH = 420  # px of the longest bar
ROW_HEIGHT = 26
DOOR_COLOURS = {"none": "#8a93a6", "session": "#1f7a5a", "jwt": "#6a3fb5", "drf-token": "#a15c00"}


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: float
    door: str

    @property
    def colour(self) -> str:
        return DOOR_COLOURS.get(self.door, "#5b6475")

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 6

    @property
    def text_y(self) -> int:
        return self.y + 14


@dataclass(frozen=True)
class Chart:
    title: str
    caption: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 4


def _chart(title: str, caption: str, rows: list[dict], value, text) -> Chart:
    values = [(row, value(row)) for row in rows]
    values = [(row, v) for row, v in values if v is not None]
    top = max((v for _row, v in values), default=0) or 1
    bars = [Bar(label=row["label"], text=text(v), y=i * ROW_HEIGHT + 2,
                width=round(max(1.0, BAR_WIDTH * v / top), 1) if v else 0.0, door=row["door"])
            for i, (row, v) in enumerate(values)]
    return Chart(title, caption, bars)


def report_charts(report: dict) -> list[Chart]:
    """Return the page's charts: throughput, p50 and p99 as ratios to the baseline, round trips, bytes."""
    rows = [row for row in report["variants"] if not row.get("skipped")]

    def ratio(name):
        return lambda row: row["ratios"][name]

    def times(v):
        return f"{v:.2f}×"

    return [
        _chart("Throughput", "Requests per second, as a multiple of the baseline (longer is faster).",
               rows, ratio("throughput"), times),
        _chart("Median latency (p50)", "As a multiple of the baseline's median (longer is slower).",
               rows, ratio("p50"), times),
        _chart("Tail latency (p99)", "As a multiple of the baseline's p99 (longer is slower; tails are noisy).",
               rows, ratio("p99"), times),
        _chart("Database queries per request", "The typical request, the baseline's notes query included.",
               rows, lambda row: row["db_queries"]["per_request"], lambda v: str(v)),
        _chart("Redis commands per request", "The typical request.",
               rows, lambda row: row["redis"]["commands_per_request"], lambda v: str(v)),
        _chart("Bytes of the request", "The whole HTTP/1.1 request: request line, Host and the credential.",
               rows, lambda row: row["bytes"]["request"], lambda v: f"{v} B"),
    ]
