"""Serializer fields that refuse what DRF's coerce: a number or a list is not a username."""

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A CharField that accepts JSON strings only (DRF's turns `123` and `true` into "123" and "True")."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
