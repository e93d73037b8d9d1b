import json

from rest_framework import serializers
from rest_framework.utils import html


class QuerySerializer(serializers.Serializer):
    # Validates query parameters; a parameter sent empty (``?rarity=``) is refused like any bad value.
    #
    # DRF reads form-like input (a QueryDict) leniently: an optional field sent empty counts as absent, so a
    # client's ``?rarity=`` would silently list everything. The parameters are validated as a plain dict
    # instead (the last value of each), where an empty string is a value the field must accept or refuse.
    # (A comment, not a docstring, for the reason StrictJSONInput gives.)

    def __init__(self, instance=None, data=serializers.empty, **kwargs):
        if data is not serializers.empty and hasattr(data, "dict"):
            data = data.dict()
        super().__init__(instance, data=data, **kwargs)


class StrictJSONInput:
    # Mix into an input serializer: a JSON value of the wrong type is refused, not coerced.
    #
    # DRF turns ``{"title": 0}`` into ``"0"``, ``{"quantity": "5"}`` into 5 and ``{"is_anonymous": 1}`` into
    # True; the schema promises clients a string, an integer and a boolean, so anything else is a 400 field
    # error. Form and multipart bodies (everything a string) are left to DRF's own parsing.
    # (A comment, not a docstring: inspect.getdoc hands a class's docstring to subclasses without one, and the
    # schema would describe every input serializer with this note.)

    def to_internal_value(self, data):
        if type(data) is dict:  # a parsed JSON object (a QueryDict is a form or multipart body)
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or field.source == "*" or field.field_name not in data:
                    continue
                message = json_type_error(field, data[field.field_name])
                if message:
                    errors[name] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def json_type_error(field, value) -> str | None:
    """Why ``value`` (parsed JSON) is the wrong type for ``field``; None when its type is right (or null)."""
    if value is None:
        return None  # allow_null is the field's own rule
    if isinstance(field, StrictJSONInput):
        return None if isinstance(value, dict) else "Expected an object."
    if isinstance(field, serializers.ListSerializer):
        return None if isinstance(value, list) else "Expected a list."
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Expected true or false."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Expected a whole number."
    if isinstance(field, serializers.FloatField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "Expected a number."
    if isinstance(field, serializers.FileField):
        return None
    if isinstance(
        field,
        serializers.CharField
        | serializers.ChoiceField
        | serializers.UUIDField
        | serializers.DateTimeField
        | serializers.DateField
        | serializers.TimeField
        | serializers.DecimalField,
    ):
        return None if isinstance(value, str) else "Expected a string."
    if isinstance(field, serializers.ListField | serializers.DictField):
        is_list = isinstance(field, serializers.ListField)
        if not isinstance(value, list if is_list else dict):
            return "Expected a list." if is_list else "Expected an object."
        if getattr(field, "max_length", None) is not None and len(value) > field.max_length:
            return None  # too long: the field refuses it by its length, without a look at any item
        for item in value if is_list else value.values():
            message = json_type_error(field.child, item)
            if message:
                return message
    return None


class FormJSONField:
    # Mix into a nested field (a serializer used as a field, a DictField, a ListField): in a form or multipart
    # body its value is read as JSON text under its own name (``schedule={"timezone": ...}``), as a client
    # that uploads a file beside it sends it. DRF reads nested values there only from dotted keys
    # (``schedule.timezone``) and silently ignored the JSON. Text that is not JSON is handed on as it is, so
    # the field refuses it with its usual error.

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            raw = dictionary.get(self.field_name)
            try:
                return json.loads(raw)
            except (TypeError, ValueError, RecursionError):  # RecursionError: a nesting bomb, refused as not JSON
                return raw
        return super().get_value(dictionary)


class BoundedListField(serializers.ListField):
    """A ListField that requires ``max_length`` and refuses a longer list before validating any item.

    DRF's ListField checks ``max_length`` only after it has validated every item, so a 40,000-item list costs
    40,000 child validations before the refusal; here the length is the first thing looked at.
    """

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list | tuple) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class BoundedDictField(serializers.DictField):
    """A DictField with a required ``max_length`` (number of keys), checked before any value is validated."""

    default_error_messages = {"max_length": "Ensure this field has no more than {max_length} entries."}

    def __init__(self, *, max_length: int, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class FormJSONDictField(FormJSONField, BoundedDictField):
    pass
