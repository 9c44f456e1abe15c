"""The attack corpus's oracle and bookkeeping: genuine credentials, the state a hostile request must leave
untouched, and what counts as a proper refusal."""

import json
from dataclasses import dataclass, field
from http import HTTPStatus

from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import User
from denylist.models import Revocation
from jwt_demo.models import RefreshToken, TokenFamily
from jwt_demo.tokens import ACCESS, REFRESH
from resources.models import Note
from sessions_demo.models import DeviceSession

NEW_PASSWORD = "an entirely new passphrase 2027"


@dataclass
class Creds:
    """Genuine credentials of the victim (alice) and of another user (bob), minted the normal way."""

    victim: User
    other: User
    victim_tokens: dict
    other_tokens: dict
    session_key: str
    csrf_token: str
    note_id: int
    extra: dict = field(default_factory=dict)

    def context(self) -> dict[str, str]:
        """Values for the "{name}" placeholders of corpus.json."""
        access = self.victim_tokens[ACCESS]
        return {"access": access, "refresh": self.victim_tokens[REFRESH], "session": self.session_key,
                "session_upper": self.session_key.upper(),
                "access_std": access.replace("-", "+").replace("_", "/") + "=="}

    def secrets(self) -> list[str]:
        """Strings that must never appear in a response body: the genuine tokens, their segments, the session."""
        found = [self.session_key]
        for token in (*self.victim_tokens.values(), *self.other_tokens.values()):
            found += [token, *(segment for segment in token.split(".") if len(segment) >= 16)]
        return found


_CLIENT: list[Client] = []


def shared_client() -> Client:
    """One client for the whole corpus: building a Client loads every middleware (WhiteNoise scans the static
    files), which costs more than the requests themselves. Callers clear its cookies before each request."""
    if not _CLIENT:
        _CLIENT.append(Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1"))
    return _CLIENT[0]


def state() -> dict:
    """Everything a hostile request must leave untouched."""
    return {
        "notes": list(Note.objects.order_by("pk").values_list("pk", "owner_id", "title")),
        "families": list(TokenFamily.objects.order_by("pk").values_list("pk", "revoked_at")),
        "refresh_tokens": list(RefreshToken.objects.order_by("pk").values_list("pk", "rotated_at")),
        "sessions": sorted(DeviceSession.objects.values_list("session_key", flat=True)),
        "revocations": list(Revocation.objects.order_by("kind", "key").values_list("kind", "key", "cutoff_ms")),
        "passwords": list(get_user_model().objects.order_by("pk").values_list("pk", "password", "is_active")),
    }


def assert_refused(response, *, allowed: set[int], secrets: list[str], where: str) -> None:
    """The oracle: a 4xx among `allowed`, JSON errors in the house shape, no traceback, no echoed credential."""
    status = response.status_code
    assert status in allowed, f"{where}: {status} not in {sorted(allowed)}: {response.content[:300]!r}"
    assert status < HTTPStatus.INTERNAL_SERVER_ERROR
    body = response.content.decode("utf-8", "replace")
    for marker in ("Traceback", 'File "', "django.db", "psycopg", "sqlite3", "settings.", "SECRET"):
        assert marker not in body, f"{where}: body leaks {marker!r}"
    for secret in secrets:
        assert secret not in body, f"{where}: body echoes a credential"
        assert secret not in response.get("WWW-Authenticate", ""), f"{where}: header echoes a credential"
    if response.get("Content-Type", "").startswith("application/json") and status >= 400:
        payload = json.loads(body)
        assert isinstance(payload.get("detail"), str) and isinstance(payload.get("code"), str), f"{where}: {payload}"
