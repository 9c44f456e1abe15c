"""The token inspector: its page, and the endpoint that reports on a pasted token."""

from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from httpkit.fields import StrictCharField
from workshop.attacks import SCENARIOS
from workshop.inspection import MAX_INPUT, token_inspect


@require_GET
def inspector_page(request):
    """The token inspector page: paste any JWT, see it decoded without a key, and see what is wrong with it."""
    return render(request, "workshop/inspector.html", {"scenarios": SCENARIOS})


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
