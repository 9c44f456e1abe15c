"""The JWT door's HTTP pieces that both its body endpoints (views) and its cookie endpoints (hybrid_views) use.

What a refusal becomes (a refused token is a 401 with the door's challenge, a throttled login a 429) is not here:
the door's services raise their own exceptions and the HTTP edge answers them by kind (httpkit.refusals).
"""


class NoStoreMixin:
    """Token responses must never be cached (RFC 6749 §5.1)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
