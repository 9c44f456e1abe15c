"""The kinds of refusal a rule of Token Lab makes, and what HTTP makes of each: one small table, used by the API's
exception handler (httpkit.errors) and by the pages that answer a refusal with a form (the session door, the admin).

The core and the doors raise plain exceptions in their own words (`detail`, a human sentence that never echoes a
secret, and `code`, machine-readable) and never an HTTP exception: `accounts.throttling.LoginThrottled`,
`jwt_demo.tokens.TokenError`, `jwt_demo.families.BadCredentials`, `accounts.principal.UserGone`. Views let them
through; the status, the headers and the body are decided here, once.

Why the exceptions subclass the kinds below rather than being listed in the table by their own types: httpkit is
the lowest layer of the project (pyproject.toml's layer contract), so a table naming `LoginThrottled` would import
the core upward. Registration by each app would scatter the table over `ready()` methods, and a status code as an
attribute of each exception would put HTTP into the core. A kind is a word of the domain ("too many attempts",
"credentials refused") that every layer may import; the table turns kinds into HTTP. `denylist`, which imports
nothing of the project, raises nothing that reaches HTTP itself: its callers restate its refusals in their own
words (jwt_demo.services turns `RefreshReused` into a TokenError `token_reused`).
"""

from dataclasses import dataclass
from http import HTTPStatus


class Refusal(Exception):
    """A rule said no to what was asked. `detail` and `code` default to the class's `default_detail` and
    `default_code`; a subclass names one of the kinds below."""

    default_detail = "The request was refused."
    default_code = "refused"

    def __init__(self, detail: str | None = None, code: str | None = None):
        self.detail = self.default_detail if detail is None else detail
        self.code = self.default_code if code is None else code
        super().__init__(self.detail)


class TooManyAttempts(Refusal):
    """A counter is over its rate; `wait` is the seconds until its window ends (the `Retry-After`)."""

    default_detail = "Too many attempts."
    default_code = "throttled"

    def __init__(self, wait: int, detail: str | None = None, code: str | None = None):
        super().__init__(detail, code)
        self.wait = wait


class CredentialsRefused(Refusal):
    """A login's credentials (a body, not a header) were refused: one message whatever the reason, no challenge."""

    default_detail = "No active account found with the given credentials."
    default_code = "no_active_account"


class TokenRefused(Refusal):
    """A token presented in a body or a cookie was refused; `www_authenticate` is the challenge to answer with
    (RFC 6750 §3.1 `invalid_token`), or None."""

    default_code = "token_not_valid"
    www_authenticate: str | None = None


class CallerRefused(Refusal):
    """The credential of the request checked out, but the caller it names may not go on (a user since deleted or
    deactivated): what DRF calls a failed authentication."""

    default_code = "authentication_failed"


@dataclass(frozen=True)
class Answer:
    """What HTTP makes of one kind of refusal."""

    status: HTTPStatus
    challenge: str  # "": no WWW-Authenticate; "refusal": the refusal's own; "view": the view's (DRF's rule)


#: Every kind of refusal and its answer; the body is always `{"detail", "code"}` from the refusal itself.
REFUSALS: dict[type[Refusal], Answer] = {
    # Retry-After: the window's end (RFC 6585 §4); the JSON detail adds DRF's "Expected available in N seconds."
    TooManyAttempts: Answer(HTTPStatus.TOO_MANY_REQUESTS, challenge=""),
    # No authenticator was involved (the credentials were a body), so no challenge, and never DRF's 403.
    CredentialsRefused: Answer(HTTPStatus.UNAUTHORIZED, challenge=""),
    TokenRefused: Answer(HTTPStatus.UNAUTHORIZED, challenge="refusal"),
    # DRF's rule for a failed authentication: 401 with the challenge of the view's first authenticator, 403 when
    # it has none (the session door's API: docs/api.md).
    CallerRefused: Answer(HTTPStatus.UNAUTHORIZED, challenge="view"),
}


def refusal_answer(exc: BaseException) -> Answer | None:
    """Return the answer to `exc`, the row of the nearest kind it is; None when it is no refusal."""
    for kind in type(exc).__mro__:
        if kind in REFUSALS:
            return REFUSALS[kind]
    return None


def refusal_page_status(exc: Refusal) -> tuple[HTTPStatus, dict[str, str]]:
    """Return the status and the headers of a page that answers `exc` with a form and its error."""
    answer = refusal_answer(exc)
    headers = {"Retry-After": str(exc.wait)} if isinstance(exc, TooManyAttempts) else {}
    return (answer.status if answer is not None else HTTPStatus.BAD_REQUEST), headers


def refusal_page_text(exc: Refusal) -> str:
    """Return the sentence a page shows for `exc`: its detail, and for a throttle when to try again."""
    if isinstance(exc, TooManyAttempts):
        return f"{exc.detail} Try again in {exc.wait} seconds."
    return exc.detail


def refusal_page_apply(response, exc: Refusal | None):
    """Give a page that shows the form of a refused attempt the refusal's status and headers; return it."""
    if exc is not None:
        status, headers = refusal_page_status(exc)
        response.status_code = status
        for name, value in headers.items():
            response[name] = value
    return response
