"""Token Lab's error responses: `{"detail", "code"}` JSON for every API failure, never a traceback.

JSON or HTML is the view's choice, not a list of URL prefixes kept here: a DRF view answers JSON, a template view
HTML. A path that matches no view answers like the URL include it fell into, when that include is marked with
`api_urls()` (`/jwt/nope/` is JSON, `/session/nope/` a page).
"""

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import Resolver404, URLResolver, get_resolver
from rest_framework import exceptions
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from httpkit.outages import is_outage, service_unavailable_response
from httpkit.refusals import Refusal, TooManyAttempts, refusal_answer

logger = logging.getLogger(__name__)


def api_exception_handler(exc, context):
    """Render DRF exceptions as `{"detail", "code"}`; map outages to 503, oversized bodies to 413, the domain's
    refusals by their kind (httpkit.refusals.REFUSALS) and a Django ValidationError (a service refusing its input,
    field by field) to 400 with its field errors under `errors`."""
    if is_outage(exc):
        return service_unavailable_response(exc)
    if isinstance(exc, Refusal) and refusal_answer(exc) is not None:
        exc = refusal_api_exception(exc, context)
    elif isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, RequestDataTooBig):
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


def refusal_api_exception(exc: Refusal, context: dict) -> exceptions.APIException:
    """Return the DRF exception that answers the refusal `exc` as its row of REFUSALS says."""
    answer = refusal_answer(exc)
    if isinstance(exc, TooManyAttempts):
        # DRF's own: the detail gains "Expected available in N seconds." and the response `Retry-After`.
        api = exceptions.Throttled(wait=exc.wait, detail=exc.detail, code=exc.code)
    elif answer.challenge == "view":
        api = exceptions.AuthenticationFailed(exc.detail, exc.code)
        # What DRF's APIView.handle_exception does for its own AuthenticationFailed before calling this handler.
        view, request = context.get("view"), context.get("request")
        header = view.get_authenticate_header(request) if view is not None and request is not None else None
        if header:
            api.auth_header = header
        else:
            api.status_code = HTTPStatus.FORBIDDEN
    else:
        api = exceptions.APIException(exc.detail, exc.code)
        api.status_code = answer.status
        if answer.challenge == "refusal":
            api.www_authenticate = getattr(exc, "www_authenticate", None)
    return api


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


def api_urls(resolver: URLResolver) -> URLResolver:
    """Mark a URL include as an API: a path under it that matches no view gets a JSON error, not a page."""
    resolver.json_errors = True
    return resolver


def wants_json(request) -> bool:
    """Tell whether an error for this request should be JSON: the view's kind decides, or its API include."""
    match = getattr(request, "resolver_match", None)
    try:
        match = match or get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404 as exc:
        # Django lists every chain of patterns it tried; a chain longer than one went into an include whose
        # prefix matched the path.
        tried = (exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}).get("tried") or []
        return any(getattr(pattern, "json_errors", False) for chain in tried for pattern in chain[:-1])
    except ValueError:  # a path no resolver can even read (a NUL): not an API's business
        return False
    if getattr(match.func, "json_errors", False):  # a function view that speaks JSON (health)
        return True
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    return isinstance(view, type) and issubclass(view, APIView)


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        # Django reports a form body over DATA_UPLOAD_MAX_MEMORY_SIZE as a 400; RFC 9110 §15.5.14 names it 413.
        if wants_json(request):
            return json_error(413, "Request body is too large.", "payload_too_large")
        return HttpResponse("Request body is too large.", status=413, content_type="text/plain; charset=utf-8")
    if wants_json(request):
        return json_error(400, "Bad request.", "bad_request")
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if wants_json(request):
        return json_error(403, "You do not have permission to perform this action.", "permission_denied")
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def handler404(request, exception=None):
    if wants_json(request):
        return json_error(404, "Not found.", "not_found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if wants_json(request):
        return json_error(500, "Internal server error.", "server_error")
    from django.views.defaults import server_error

    return server_error(request)
