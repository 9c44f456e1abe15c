"""A JSON parser that turns every malformed body into a 4xx instead of a crash."""

import codecs
import json

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """Parse a JSON body, refusing what the stock parser lets through to a 500.

    - Deeply nested documents: `json.loads` recurses and raises RecursionError (tens of thousands of `[`).
    - `charset=` tricks: RFC 8259 §8.1 makes UTF-8 the only JSON encoding between systems; an unknown codec name
      would otherwise raise LookupError.
    - NaN/Infinity literals are not JSON (RFC 8259 §6).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        _check_charset(media_type)
        if stream is None:
            return {}
        # Read one byte past the limit, not the whole body: an endless body must not fill the memory first.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            text = raw.decode("utf-8")
            return json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError("JSON body is nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {_short(exc)}") from None


def _check_charset(media_type: str | None) -> None:
    """Refuse a `charset` parameter that is not UTF-8 (RFC 8259 §8.1), unknown codecs included.

    Read from the Content-Type itself: Django drops a charset it cannot look up, which would let an unknown
    one silently pass as the default.
    """
    _, params = parse_header_parameters(media_type or "")
    if "charset" not in params:
        return
    try:
        name = codecs.lookup(params["charset"]).name
    except LookupError:
        raise UnsupportedMediaType(media_type, detail="Unknown character set.") from None
    if name != "utf-8":
        raise UnsupportedMediaType(media_type, detail="JSON bodies must be UTF-8 encoded.")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _short(exc: Exception) -> str:
    """Describe a decoding error without echoing the body back (it may hold a token)."""
    if isinstance(exc, UnicodeDecodeError):
        return "body is not valid UTF-8"
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)[:100]


class PayloadTooLarge(ParseError):
    status_code = 413
    default_detail = "Request body is too large."
    default_code = "payload_too_large"
