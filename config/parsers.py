"""A JSON parser that turns every malformed body into a 4xx instead of a crash."""

import codecs
import json

from django.conf import settings
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
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            if codecs.lookup(encoding).name != "utf-8":
                raise UnsupportedMediaType(media_type, detail="JSON bodies must be UTF-8 encoded.")
        except LookupError:
            raise UnsupportedMediaType(media_type, detail="Unknown character set.") from None
        if stream is None:
            return {}
        raw = stream.read()
        if len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge()
        try:
            text = raw.decode("utf-8")
            return json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError("JSON body is nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {_short(exc)}") from None


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
