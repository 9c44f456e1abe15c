"""Where Token Lab's session stores deliberately depart from Django's own session tests, and what each departure stops.

tests/sessions_demo/test_django_session_suite.py runs Django's `DatabaseSessionTests` and `CacheDBSessionTests`
over Token Lab's db and cached_db stores and marks exactly the tests listed here xfail(strict=True), for the stores
listed: each must still fail (the departure is real), and every test not listed must pass. Add an entry only for
a hardening, with the attack it stops; a behaviour that merely differs is a bug to fix in the store.
"""

from typing import NamedTuple


class Departure(NamedTuple):
    stores: frozenset[str]
    why: str


BOTH = frozenset({"db", "cached_db"})

DEPARTURES: dict[str, Departure] = {
    "test_session_key_valid_string_saved": Departure(BOTH, (
        "Token Lab accepts only session keys of the shape it mints, 32 characters of [a-z0-9] "
        "(sessions_demo.backends.db._SESSION_KEY), where Django accepts any string of 8 or more, e.g. '12345678'. "
        "A forged cookie is refused before it reaches a query: PostgreSQL rejects a NUL byte in a text parameter "
        "with a DataError, which would turn one forged cookie into a 500 (tests/security), and a key Token Lab "
        "never minted can name no session anyway."
    )),
    "test_session_str": Departure(frozenset({"db"}), (
        "str() of a session row is 'session <digest prefix> of <user id>', never the session key Django shows: "
        "the admin, the console, log lines and error reports print str(row), and a session key is a live "
        "credential (anyone who reads it is logged in as its user). Rows are named by their public digest."
    )),
}
