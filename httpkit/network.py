"""Where a request comes from: the client address and user agent, trusting only configured proxies.

Request parsing, not a rule: every caller that records or throttles by client (the login throttle, the auth-event
log, the session and token device lists) reads the request through these two functions, so a proxy set-up is
configured once (`TRUSTED_PROXY_COUNT`)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

MAX_USER_AGENT = 300


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's IP address, or None when it cannot be determined.

    With TRUSTED_PROXY_COUNT = N > 0, the N-th address from the right of X-Forwarded-For is the client as seen by
    the outermost trusted proxy; anything further left was written by the client and is ignored (a spoofed
    X-Forwarded-For must not let an attacker pick the key its login attempts are throttled under).
    """
    trusted = settings.TRUSTED_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR", "")
    if trusted:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= trusted:
            candidate = hops[-trusted]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    # "::ffff:192.0.2.1" is 192.0.2.1 reached over a dual-stack socket: one client, one spelling, one counter.
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def address_block(ip: str | None) -> str:
    """Return the unit an attacker controls as one: the IPv4 address, or the IPv6 /64 it sits in.

    One IPv6 subscriber routinely holds a whole /64 (RFC 6177), i.e. 2^64 addresses: counting attempts per
    address would let it rotate forever. None (an address we could not determine) is one shared bucket.
    """
    if ip is None:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def user_agent(request: HttpRequest) -> str:
    """Return the User-Agent header, cut to a storable length and stripped of control characters."""
    raw = request.META.get("HTTP_USER_AGENT", "")
    return "".join(ch for ch in raw if ch.isprintable())[:MAX_USER_AGENT]
