"""The mistakes lab: its page, and the endpoint that crafts one attack and asks each verifier for its verdict."""

import secrets

from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from workshop.attacks import SCENARIOS, scenario_run


@require_GET
def mistakes_page(request):
    """The mistakes lab: every classic mistake, crafted live, with a naive and a careful verifier side by side."""
    response = render(request, "workshop/mistakes.html", {"scenarios": SCENARIOS})
    # A stand-in for the hybrid flow's refresh cookie: HttpOnly, so the page's "injected script" cannot read it.
    response.set_cookie("lab_refresh", "lab-" + secrets.token_urlsafe(16), max_age=600, path="/workshop/",
                        httponly=True, samesite="Strict", secure=request.is_secure())
    return response


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
