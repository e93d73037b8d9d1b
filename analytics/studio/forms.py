from django import forms

from analytics.selectors import RANGE_PRESETS


class _DateInput(forms.DateInput):
    input_type = "date"


# `from` is a Python keyword: the form is built with it as a field name (the API's query parameter too).
RangeForm = type(
    "RangeForm",
    (forms.Form,),
    {
        "days": forms.TypedChoiceField(
            choices=[(n, f"Last {n} days") for n in RANGE_PRESETS], coerce=int, required=False
        ),
        "from": forms.DateField(required=False, label="From", widget=_DateInput),
        "to": forms.DateField(required=False, label="To", widget=_DateInput),
    },
)
