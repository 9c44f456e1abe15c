"""Human names for devices: "Firefox 128 on Windows 10" from a User-Agent header, by the ua-parser package.

ua-parser ships its rules with the package (ua-parser-builtins): nothing is downloaded at run time.
"""

from functools import lru_cache

from ua_parser import parse

UNKNOWN = "Unknown device"


def _version(part) -> str:
    return ".".join(v for v in (part.major, part.minor) if v) if part is not None and part.major else ""


@lru_cache(maxsize=2048)
def device_name(user_agent: str) -> str:
    """Return "<browser> <version> on <OS> <version>" for a User-Agent string, or UNKNOWN when it says nothing."""
    if not user_agent:
        return UNKNOWN
    result = parse(user_agent[:300])
    browser = result.user_agent
    system = result.os
    name = " ".join(p for p in ((browser.family if browser else ""), (browser.major if browser else "") or "") if p)
    if system is not None and system.family and system.family != "Other":
        where = " ".join(p for p in (system.family, _version(system)) if p)
        name = f"{name} on {where}" if name and name != "Other" else where
    if not name or name == "Other":
        return UNKNOWN
    return name
