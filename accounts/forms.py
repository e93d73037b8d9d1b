from django import forms
from django.core.exceptions import ValidationError

from accounts.services import user_create


class SignupForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[A-Za-z0-9_.-]{3,30}$",
        max_length=30,
        help_text="3-30 letters, digits, dots, dashes or underscores.",
        error_messages={"invalid": "Use 3-30 letters, digits, dots, dashes or underscores."},
    )
    display_name = forms.CharField(max_length=60, required=False)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def save(self):
        """Create the user through the service; its errors land on the form's fields."""
        try:
            return user_create(**self.cleaned_data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            return None
