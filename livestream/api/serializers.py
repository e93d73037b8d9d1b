from rest_framework import serializers


class QuerySerializer(serializers.Serializer):
    """Validates query parameters; a parameter sent empty (``?rarity=``) is refused like any bad value.

    DRF reads form-like input (a QueryDict) leniently: an optional field sent empty counts as absent, so a
    client's ``?rarity=`` would silently list everything. The parameters are validated as a plain dict instead
    (the last value of each), where an empty string is a value the field must accept or refuse.
    """

    def __init__(self, instance=None, data=serializers.empty, **kwargs):
        if data is not serializers.empty and hasattr(data, "dict"):
            data = data.dict()
        super().__init__(instance, data=data, **kwargs)
