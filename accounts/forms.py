from django import forms
from django.core.exceptions import ValidationError

from accounts.models import GIFT_CONFIRM_THRESHOLD_MAX
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


class ProfileForm(forms.Form):
    """The settings page's profile: the name shown in chat and on gifts, and the avatar.

    The name is checked by ``accounts.names.display_name_clean`` (through the service that stores it) and
    the avatar by ``livestream.images.image_process``: their messages land on these fields.
    """

    display_name = forms.CharField(max_length=200, help_text="Shown in chat, on gifts and on your creator page.")
    avatar = forms.FileField(
        required=False,
        help_text="A JPEG, PNG, WebP or GIF; it is cropped to a square.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )


class EmailForm(forms.Form):
    """A new e-mail address (where password reset links go), confirmed with the current password: a session
    left open somewhere must not be enough to take the account over through a reset."""

    email = forms.EmailField(label="E-mail address")
    current_password = forms.CharField(label="Current password", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError("That is not your current password.", code="password_incorrect")
        return password


class GiftsForm(forms.Form):
    """When the gift panel asks "are you sure?": a send costing more than this many coins (0: every send)."""

    gift_confirm_threshold = forms.IntegerField(
        label="Ask me to confirm gifts costing more than",
        min_value=0,
        max_value=GIFT_CONFIRM_THRESHOLD_MAX,
        help_text="Coins. 0 asks before every gift.",
    )
