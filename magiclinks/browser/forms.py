"""Forms of the end-user pages. Password forms are Django's own (validators, Argon2)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import normalize_email_address


class EmailForm(forms.Form):
    """One email address: the fresh-link and forgot-password forms."""

    email = forms.EmailField(
        label="Your email address",
        max_length=255,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form, labelled for email addresses (banned and inactive users are
    refused by the backend, accounts.backends, with the same message as a wrong password)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # One message for unknown address and wrong password: it must not tell which.
        "invalid_login": "That email address and password do not match. Please try again.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.input_type = "email"
        self.fields["username"].widget.attrs["autocomplete"] = "username"

    def clean_username(self) -> str:
        # Addresses are stored lower-cased; ModelBackend looks them up exactly as typed.
        return normalize_email_address(self.cleaned_data["username"])
