"""Acknowledge each request's revocations together: at most one lease wait per request."""

from denylist import waits


class RevocationBatchMiddleware:
    """Run each request inside `denylist.waits.batch()`.

    A request that revokes several credentials while the Redis copy is unreachable (a logout that ends a login
    and flushes the session, an administrator ending several logins) then waits one lease period in all, after
    its last commit and before its response is sent — not one per revocation. Place it above every middleware
    that may revoke (the session middleware saves and flushes sessions); without it, each transaction waits on
    its own, which is correct but slower.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with waits.batch():
            return self.get_response(request)
