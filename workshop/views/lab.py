"""The guided lab: its page, the instructor's page, and the small JSON endpoints its steps call."""

from functools import wraps
from http import HTTPStatus

import jwt
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from httpkit.fields import StrictCharField
from jwt_demo.authentication import JWTAuthentication
from resources.api import ProfileView
from sessions_demo.authentication import SessionAuthentication
from workshop import progress
from workshop.lab import STEPS
from workshop.longexpiry import long_lived_copy
from workshop.measure import lab_served
from workshop.parts import moving_parts
from workshop.serviceb import LabTokenAuthentication, published_jwks, service_b_call, service_b_token, uses_lab_key
from workshop.sizes import token_sizes
from workshop.twin import request_twin_origin

# Either door identifies the participant: the lab keeps working while one of the two credentials is dead.
EITHER_DOOR = [JWTAuthentication, SessionAuthentication]


@require_GET
@ensure_csrf_cookie
def lab_page(request):
    """The guided lab, the workshop's start page: every claim as a step, both doors side by side."""
    return render(request, "workshop/lab.html", {
        "steps": STEPS,
        "algorithm": settings.JWT_ALGORITHM,
        "access_lifetime": settings.ACCESS_TOKEN_LIFETIME,
        "redis": bool(settings.REDIS_URL),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "revocation_enabled": settings.REVOCATION_ENABLED,
        "lab_config": {
            "steps": [step.slug for step in STEPS], "algorithm": settings.JWT_ALGORITHM,
            "redis": bool(settings.REDIS_URL), "accessLifetime": settings.ACCESS_TOKEN_LIFETIME,
            "twinOrigin": request_twin_origin(request), "serviceBLabKey": uses_lab_key(),
            "revocationEnabled": settings.REVOCATION_ENABLED, "sessionLifetime": settings.SESSION_COOKIE_AGE,
            "issuer": settings.JWT_ISSUER,
        },
        "measuring": lab_served(),
    })


@require_GET
def favicon(request):
    """`/favicon.ico` → the site's icon (pages without a `<link rel="icon">`, like the admin's, ask here)."""
    return redirect(static("tokenlab/favicon.svg"), permanent=True)


@require_GET
@xframe_options_exempt
def other_origin_page(request):
    """The cross-origin step's page, loaded from the twin origin inside the lab (framed by the lab's origin only)."""
    twin = request_twin_origin(request)
    response = render(request, "workshop/other_origin.html", {"api_origin": twin})
    # Only the lab page on the twin origin may frame this page (it hands it a token by postMessage).
    response["Content-Security-Policy"] = f"frame-ancestors {twin}" if twin else "frame-ancestors 'none'"
    return response


def staff_only(view):
    """Let staff in; send a visitor to log in; answer a signed-in participant 403 with a page that says why.

    A participant who opens the instructor's link is told the page is for staff, not shown a login form they
    cannot get past (their account would be refused anyway).
    """
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="/session/login/")
        if not (request.user.is_active and request.user.is_staff):
            return render(request, "workshop/staff_only.html", status=HTTPStatus.FORBIDDEN)
        return view(request, *args, **kwargs)
    return guarded


@staff_only
@never_cache
@require_GET
def instructor_page(request):
    """Staff only: every participant and the steps each has done; its script refreshes the table in place."""
    return render(request, "workshop/instructor.html", {"room": progress.room_progress(), "steps": STEPS})


@extend_schema(exclude=True)
class InstructorProgressView(APIView):
    """`GET` → the room (`workshop.progress.room_progress`), for the instructor page's refresh. Staff, session."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAdminUser]  # staff: the instructor's data

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(progress.room_progress(), headers={"Cache-Control": "no-store"})


@require_GET
def service_b_whoami(request):
    """Service B (verifier's WSGI app), mounted here: `GET` with a Bearer token → 200 its claims, or 401."""
    return service_b_call(request)


@require_GET
def service_b_jwks(request):
    """The key set service B was handed: public keys only."""
    return JsonResponse(published_jwks())


class StepSerializer(serializers.Serializer):
    step = StrictCharField(max_length=32)


@extend_schema(exclude=True)  # the lab page's own endpoints: not part of the doors' contract (API docs)
class ProgressView(APIView):
    """`GET` → `{"done": [slugs]}`; `POST {"step"}` → 201 the first time, 200 after. Session or Bearer."""

    authentication_classes = EITHER_DOOR
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response({"done": progress.steps_done(user_id=request.user.pk)})

    @extend_schema(request=StepSerializer, responses={200: dict, 201: dict})
    def post(self, request):
        body = StepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            created = progress.step_mark_done(user_id=request.user.pk, step=body.validated_data["step"])
        except ValueError:
            raise ValidationError({"step": ["No such step."]}) from None
        return Response({"done": progress.steps_done(user_id=request.user.pk)}, status=201 if created else 200)


def _bearer(request) -> str:
    return get_authorization_header(request).split()[1].decode("ascii")


@extend_schema(exclude=True)
class ServiceBTokenView(APIView):
    """`POST` with the caller's live access token → the token to hand service B (see workshop.serviceb)."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        return Response(service_b_token(access_token=_bearer(request)), headers={"Cache-Control": "no-store"})


@extend_schema(exclude=True)
class LongLivedTokenView(APIView):
    """`POST` with the caller's live access token → its 30-day copy from a careless issuer (workshop.longexpiry)."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        return Response(long_lived_copy(access_token=_bearer(request)), headers={"Cache-Control": "no-store"})


@extend_schema(exclude=True)
class TokenSizesView(APIView):
    """`POST` with the caller's live access token → its claims signed with HS256, RS256, ES256 and EdDSA, sized."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        token = _bearer(request)
        header = {k: v for k, v in jwt.get_unverified_header(token).items() if k != "alg"}
        sizes = token_sizes(claims=jwt.decode(token, options={"verify_signature": False}), header=header)
        return Response({**sizes, "current": {"algorithm": settings.JWT_ALGORITHM, "bytes": len(token)}})


@extend_schema(exclude=True)
class MovingPartsView(APIView):
    """`GET` → both doors' moving parts for the caller. Session or Bearer."""

    authentication_classes = EITHER_DOOR
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(moving_parts(user_id=request.user.pk))


@extend_schema(exclude=True)
class TokenLabProfileView(ProfileView):
    """Token Lab's own profile resource for the lab-key copy of a token: the same view, the same revocation check."""

    authentication_classes = [LabTokenAuthentication]
    permission_classes = [IsAuthenticated]
