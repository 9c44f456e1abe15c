"""Token Lab's error responses: `{"detail", "code"}` JSON for every API failure, never a traceback."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from httpkit.outages import is_outage, service_unavailable_response

logger = logging.getLogger(__name__)

API_PREFIXES = ("/jwt/", "/session/api/", "/api/", "/.well-known/", "/healthz", "/workshop/api/")


def api_exception_handler(exc, context):
    """Render DRF exceptions as `{"detail", "code"}`; map outages to 503 and oversized bodies to 413."""
    if is_outage(exc):
        return service_unavailable_response(exc)
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.APIException("Request body is too large.", "payload_too_large")
        exc.status_code = 413
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError("Malformed request.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(exc)
    auth_header = getattr(exc, "www_authenticate", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    return response


def error_body(exc: exceptions.APIException) -> dict:
    """Flatten a DRF exception into `{"detail", "code"}`, keeping field errors under `errors`."""
    detail = exc.detail
    if isinstance(detail, dict) and set(detail) <= {"detail", "code"} and "detail" in detail:
        return {"detail": str(detail["detail"]), "code": str(detail.get("code", _code(exc)))}
    if isinstance(detail, (dict, list)):
        return {"detail": "Invalid input.", "code": "invalid", "errors": exc.get_full_details()}
    return {"detail": str(detail), "code": _code(exc)}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def json_error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) and not path.startswith(("/session/login", "/api/docs"))


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        # Django reports a form body over DATA_UPLOAD_MAX_MEMORY_SIZE as a 400; RFC 9110 §15.5.14 names it 413.
        if is_api_path(request.path):
            return json_error(413, "Request body is too large.", "payload_too_large")
        return HttpResponse("Request body is too large.", status=413, content_type="text/plain; charset=utf-8")
    if is_api_path(request.path):
        return json_error(400, "Bad request.", "bad_request")
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_path(request.path):
        return json_error(403, "You do not have permission to perform this action.", "permission_denied")
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def handler404(request, exception=None):
    if is_api_path(request.path):
        return json_error(404, "Not found.", "not_found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if is_api_path(request.path):
        return json_error(500, "Internal server error.", "server_error")
    from django.views.defaults import server_error

    return server_error(request)
