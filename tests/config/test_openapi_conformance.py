"""Schemathesis against a live Token Lab: every answer of every documented operation is in `/api/schema/`.

The document is the one `/api/schema/` serves (drf-spectacular's generator, built once at collection: schemathesis
parametrizes a test per operation from it — its lazy `from_fixture` loader does not run under pytest 9). A real
server on loopback (pytest-django's `live_server`) answers; schemathesis generates requests for each operation
(valid and invalid data, its coverage cases included) and checks each answer: no 5xx (`not_a_server_error`; a 503
would need an outage, and there is none here), a documented status code (`status_code_conformance`) and a body of
the documented shape (`response_schema_conformance`) — the `Error` body for every error. Each operation runs
twice: as a caller — fresh credentials for every case, through the door the document names: a session cookie with
its CSRF header, or a Bearer token, so a generated "log out everywhere" cannot starve the cases after it — and as
an anonymous client, whose refusals must be documented too. Bounded (a few examples per operation), derandomized,
loopback only.
"""

import os

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from accounts.models import User
from resources.models import Note
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Enough for every operation's coverage cases plus a few generated ones in about a minute on two cores;
# CONFORMANCE_EXAMPLES=200 makes a deep run by hand.
MAX_EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture
def token_lab(live_server, settings) -> str:
    """Return the base URL of a live Token Lab with one (staff) user and a note."""
    # Generated logins fail by the hundred from one address: lift the throttles so that the fresh credentials of
    # each case can still be had (the throttles have suites of their own; their 429 is documented all the same).
    settings.LOGIN_RATE = settings.LOGIN_ADDRESS_RATE = settings.REFRESH_RATE = "100000/min"
    user = User.objects.create_user("conformance", "conformance@example.test", PASSWORD, is_staff=True)
    Note.objects.create(owner=user, title="a note", body="for the list")
    return live_server.url


def credentials(case, who: str) -> dict:
    """Return `call_and_validate` keyword arguments that authenticate `case` as the document says it must (for
    `who` "caller"; none for "anonymous")."""
    if who == "anonymous":
        return {}
    schemes = {name for requirement in case.operation.definition.raw.get("security") or [] for name in requirement}
    if "bearerAuth" in schemes:
        door = JWTDoor("conformance", PASSWORD).login()
        return {"headers": {**(case.headers or {}), "Authorization": f"Bearer {door.access}"}}
    if "cookieAuth" in schemes:
        door = SessionDoor("conformance", PASSWORD).login()
        cookies = {name: door.client.cookies[name].value for name in ("sessionid", "csrftoken")}
        return {"headers": {**(case.headers or {}), "X-CSRFToken": cookies["csrftoken"]}, "cookies": cookies}
    return {}


@schema.parametrize()
@pytest.mark.parametrize("who", ["caller", "anonymous"])
@hypothesis_settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented(case, token_lab, who):
    case.call_and_validate(base_url=token_lab, checks=CHECKS, timeout=10, **credentials(case, who))
