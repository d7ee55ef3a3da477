"""Serializer fields shared by the API's resources."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "07:30", "description": "Local time."}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without offset (opening hours, tariff restrictions), as HH:MM."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"])
        super().__init__(**kwargs)
