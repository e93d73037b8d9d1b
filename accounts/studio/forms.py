from django import forms
from django.core.exceptions import ValidationError

from accounts.models import VERIFICATION_LINKS_MAX
from accounts.services import verification_apply


class VerificationApplyForm(forms.Form):
    """The application; checked and saved by ``verification_apply`` (its field errors land on these fields)."""

    full_name = forms.CharField(label="Full name", max_length=120, help_text="Your real or registered name.")
    about = forms.CharField(
        label="Who you are",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you teach, perform or represent, and where people know you from.",
    )
    links = forms.CharField(
        label="Links",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Up to {VERIFICATION_LINKS_MAX} web addresses that show who you are, one per line.",
    )
    reason = forms.CharField(
        label="Why you ask for the badge", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def save(self, *, user):
        data = {**self.cleaned_data, "links": self.cleaned_data["links"].split()}
        try:
            return verification_apply(user=user, **data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
            return None
