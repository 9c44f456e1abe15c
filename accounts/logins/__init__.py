"""A user's logins on every door, and the one rule that says whether each is live, expired or ended.

A *login* is one sign-in: a session (session door) or a token family (JWT door, body tokens or the hybrid
cookie). Each door registers a `LoginSource` (`sources.py`); the users' own API, the session door's devices page
and the admin console all go through the names below:

- `state.py`: the rule — `login_state` in Python, `live_q` its twin in SQL — and what a login's state says;
- `sources.py`: a login as pages show it, each door's source of them, public ids (`s-<digest>`, `t-<family>`);
- `selectors.py`: a user's logins (`login_list`), one by its id (`login_get`), a door's live ones across users
  (`live_rows`), facts with their state (`logins_of`);
- `services.py`: `login_end`, the one place a single login is ended and that end recorded.

Why a login ended is a `denylist.reasons.Reason`, the vocabulary every writer and reader of an end shares.
"""

from accounts.logins.selectors import live_rows, login_get, login_list, logins_of
from accounts.logins.services import login_end
from accounts.logins.sources import Login, LoginSource, login_id_parse, source, source_register, sources
from accounts.logins.state import ENDED, EXPIRED, LIVE, LoginFacts, LoginState, cut_off_q, live_q, login_state

__all__ = [
    "ENDED", "EXPIRED", "LIVE", "Login", "LoginFacts", "LoginSource", "LoginState", "cut_off_q", "live_q",
    "live_rows", "login_end", "login_get", "login_id_parse", "login_list", "login_state", "logins_of", "source",
    "source_register", "sources",
]
