from django import forms


class PayoutAccountForm(forms.Form):
    """A bank account for payouts: the bank from the provider's list and the 10-digit account number. The bank
    checks the number when the form is checked or saved (wallet.payouts), not here."""

    bank_code = forms.ChoiceField(label="Bank", error_messages={"required": "Choose your bank."})
    account_number = forms.CharField(
        label="Account number",
        max_length=20,
        help_text="The 10 digits of your account (NUBAN).",
        error_messages={"required": "Enter your 10-digit account number."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"[0-9 \-]{10,13}", "maxlength": 13}
        ),
    )

    def __init__(self, *args, banks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_code"].choices = [("", "Choose your bank")] + [(bank.code, bank.name) for bank in banks]
