"""Refuse request bodies declared in a character set Token Lab does not decode, before anything reads them.

Django honours any `charset=` that `codecs.lookup()` knows, and some of those are not text encodings at all
(`rot13`, `base64`, `zlib`) or fail on most input (`punycode`): decoding `request.POST` with them raises
LookupError or UnicodeError deep inside the CSRF middleware or a form — a 500 from one request header. Browsers
send forms in UTF-8 (WHATWG HTML, "application/x-www-form-urlencoded"), JSON is UTF-8 only (RFC 8259 §8.1), so
everything else is answered 415 here.
"""

import codecs

from django.http import HttpResponse

from httpkit.errors import json_error, wants_json

# Canonical codec names (`codecs.lookup(name).name`) a body may declare. Latin-1 and ASCII decode every byte
# string without error and are still sent by old HTTP clients; JSON bodies are held to UTF-8 by the parser.
ALLOWED_CHARSETS = frozenset({"utf-8", "ascii", "iso8859-1"})
DETAIL = "Unsupported character set: send UTF-8."


def charset_allowed(charset: str) -> bool:
    """Tell whether a declared `charset` parameter names one of ALLOWED_CHARSETS."""
    try:
        return codecs.lookup(charset).name in ALLOWED_CHARSETS
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return False


class RequestCharsetMiddleware:
    """Answer 415 to a request whose Content-Type declares a charset outside ALLOWED_CHARSETS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = getattr(request, "content_params", None) or {}
        if "charset" in charset and not charset_allowed(charset["charset"]):
            if wants_json(request):
                return json_error(415, DETAIL, "unsupported_media_type")
            return HttpResponse(DETAIL, status=415, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
