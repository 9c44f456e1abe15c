"""The benchmark page: the last saved `authbench` report, drawn as charts."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from bench.charts import report_charts, scale_charts
from bench.report import report_load
from workshop.benchpage import bench_findings, goal_shown, notes_html, ranking_shown, spreads_shown, token_size


@require_GET
def bench_page(request):
    """The benchmark page: the last saved `authbench` report as bar charts, or how to produce one (never made-up
    numbers)."""
    report, error = report_load()
    if report:
        spreads_shown(report)
    charts = report_charts(report) if report else []
    return render(request, "workshop/bench.html", {
        "report": report, "error": error, "charts": charts, "chart_data": [chart.data() for chart in charts],
        "scale_charts": scale_charts(report) if report else [],
        "findings": bench_findings(report) if report else [],
        "token_size": token_size(report) if report else None,
        "notes": notes_html(report.get("notes", [])) if report else [],
        "ranking": ranking_shown(report) if report else None,
        "goal": goal_shown(report) if report else None,
    })
