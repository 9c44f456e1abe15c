"""OpenAPI error responses: every operation documents the `{"detail", "code"}` errors it can answer, by what it is.

One `AutoSchema` (`REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`) adds them to every DRF operation, so no view repeats a
decorator. What a view *is* decides which errors it can give (httpkit.errors renders them all as `Error`):

- every operation: 503 with `Retry-After` — a backing service (database, Redis) is unreachable (httpkit.outages);
- it takes a request body: 400 (malformed JSON, invalid fields), 413 (over `MAX_REQUEST_BODY`), 415 (not JSON, or
  a character set other than UTF-8);
- it needs a caller (a permission other than `AllowAny`): 401 when its first authenticator names a scheme
  (`WWW-Authenticate`), else DRF answers the anonymous caller 403; a session authenticator adds 403 for a CSRF
  failure on unsafe methods; a permission beyond `IsAuthenticated` adds 403;
- its path has parameters: 404;
- what its shape does not show — a credential checked in the body (401), a throttle raised by a service (429) —
  the view or one of its authenticators declares in a class attribute `error_responses = {status: description}`.

A status an operation already documents keeps its description and gets the `Error` body if it had none.
"""

from http import HTTPStatus

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error Token Lab answers (httpkit.errors).",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "What went wrong, for a program (DRF/simplejwt codes)."},
        "errors": {"description": "Field errors of an invalid body (400 only), as DRF's `get_full_details()`."},
    },
    "required": ["detail", "code"],
}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}
DESCRIPTIONS = {
    400: "Malformed JSON or invalid fields (listed under `errors`).",
    401: "No, invalid, expired or revoked credentials; `WWW-Authenticate` says which scheme and why.",
    403: "Not allowed: an anonymous caller of a cookie-authenticated operation, a failed CSRF check, or a caller "
         "without the permission.",
    404: "No such object, or one that belongs to somebody else.",
    413: "The request body is larger than `MAX_REQUEST_BODY`.",
    415: "The request body is not JSON, or declares a character set other than UTF-8.",
    429: "Throttled; `Retry-After` says when to try again.",
    503: "A backing service (database, Redis) is unreachable; `Retry-After` says when to try again.",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The scheme and, for a refused "
                                                                            "credential, why (RFC 6750 §3)."}},
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}


class ErrorResponsesAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses each operation can give (see the module docstring)."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:  # excluded from the document
            return None
        responses = operation.setdefault("responses", {})
        error = self._error_component().ref
        for status, description in sorted(self.error_responses(has_body="requestBody" in operation).items()):
            response = responses.setdefault(str(status), {"description": description})
            if "content" not in response:
                response["content"] = {"application/json": {"schema": error}}
                if status in _HEADERS:
                    response.setdefault("headers", {}).update(_HEADERS[status])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_responses(self, *, has_body: bool) -> dict[int, str]:
        """Return `{status: description}` of the errors this operation can answer."""
        found: dict[int, str] = {HTTPStatus.SERVICE_UNAVAILABLE: DESCRIPTIONS[503]}
        if has_body:
            found.update({status: DESCRIPTIONS[status] for status in (400, 413, 415)})
        authenticators = self.view.get_authenticators()
        permissions = self.view.get_permissions()
        if any(not isinstance(permission, AllowAny) for permission in permissions):
            request = getattr(self.view, "request", None)
            first_scheme = authenticators[0].authenticate_header(request) if authenticators else None
            found[401 if first_scheme else 403] = DESCRIPTIONS[401 if first_scheme else 403]
            if self.method in _UNSAFE and any(isinstance(auth, SessionAuthentication) for auth in authenticators):
                found[403] = DESCRIPTIONS[403]
            if any(not isinstance(permission, (AllowAny, IsAuthenticated)) for permission in permissions):
                found[403] = DESCRIPTIONS[403]
        if "{" in self.path:
            found[404] = DESCRIPTIONS[404]
        for declared in (*authenticators, self.view):
            found.update(getattr(declared, "error_responses", {}))
        return {int(status): description for status, description in found.items()}

    def _error_component(self) -> ResolvedComponent:
        component = ResolvedComponent(name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, object=ERROR_COMPONENT,
                                      schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        return component
