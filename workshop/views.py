"""The workshop's other pages: the inspector, the mistakes lab, the benchmark; the guided lab is in lab_views."""

import secrets

from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.charts import report_charts, scale_charts
from bench.report import report_load
from httpkit.fields import StrictCharField
from workshop.attacks import SCENARIOS, scenario_run
from workshop.benchpage import bench_findings, notes_html, token_size
from workshop.inspection import MAX_INPUT, token_inspect


@require_GET
def inspector(request):
    """The token inspector page: paste any JWT, see it decoded without a key, and see what is wrong with it."""
    return render(request, "workshop/inspector.html", {"scenarios": SCENARIOS})


@require_GET
def mistakes(request):
    """The mistakes lab: every classic mistake, crafted live, with a naive and a careful verifier side by side."""
    response = render(request, "workshop/mistakes.html", {"scenarios": SCENARIOS})
    # A stand-in for the hybrid flow's refresh cookie: HttpOnly, so the page's "injected script" cannot read it.
    response.set_cookie("lab_refresh", "lab-" + secrets.token_urlsafe(16), max_age=600, path="/workshop/",
                        httponly=True, samesite="Strict", secure=request.is_secure())
    return response


@require_GET
def benchmark(request):
    """The benchmark page: the last saved `authbench` report as bar charts, or how to produce one (never made-up
    numbers)."""
    report, error = report_load()
    charts = report_charts(report) if report else []
    return render(request, "workshop/bench.html", {
        "report": report, "error": error, "charts": charts, "chart_data": [chart.data() for chart in charts],
        "scale_charts": scale_charts(report) if report else [],
        "findings": bench_findings(report) if report else [],
        "token_size": token_size(report) if report else None,
        "notes": notes_html(report.get("notes", [])) if report else [],
    })


class InspectSerializer(serializers.Serializer):
    token = StrictCharField(max_length=MAX_INPUT, trim_whitespace=True)


class InspectView(APIView):
    """`POST {"token": "..."}` → the inspector's report. Reads nothing but the token; changes nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=InspectSerializer, responses={200: dict})
    def post(self, request):
        body = InspectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(token_inspect(token=body.validated_data["token"]))


class ScenarioView(APIView):
    """`POST /workshop/api/mistakes/<name>/` → one attack, crafted now, and each verifier's verdict."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, name: str):
        result = scenario_run(name=name)
        if result is None:
            raise NotFound("No such scenario.")
        return Response(result)
