"""Forms of the "Generate login link" screens.

The forms check the shape of the input (with the flow's own bounds) and hand the flow the same
typed value the Partner API does (`PartnerLinkOptions`); the rules that need the database
(suspension, the redirect allow-list, the per-account limit) are the flow's,
magiclinks.flows.partner_link, so the admin and the Partner API can never disagree.
"""

from django import forms
from django.db.models import QuerySet

from accounts.models import Membership

from ..flows.partner_link import MAX_EXPIRY_HOURS, MIN_EXPIRY_HOURS, PartnerLinkOptions
from ..models import LinkPurpose
from ..notifications.rendering import CUSTOM_MESSAGE_MAX


def _message_settings(custom_message: str) -> dict[str, str]:
    # forms.CharField strips surrounding whitespace itself (strip=True).
    return {"custom_message": custom_message} if custom_message else {}


class MembershipChoiceField(forms.ModelChoiceField):
    """A user on an account, labelled from whichever side the form was opened."""

    def __init__(self, *args, label_from: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.label_from = label_from

    def label_from_instance(self, membership: Membership) -> str:
        if self.label_from == "account":
            return f"{membership.user.email} ({membership.role})"
        account = membership.account
        return f"{account} · {account.partner} · {account.status} ({membership.role})"


class GenerateLinkForm(forms.Form):
    membership = MembershipChoiceField(queryset=Membership.objects.none(), label_from="account")
    purpose = forms.ChoiceField(choices=LinkPurpose.choices, initial=LinkPurpose.SUPPORT_REQUEST)
    expiry_hours = forms.IntegerField(
        min_value=MIN_EXPIRY_HOURS,
        max_value=MAX_EXPIRY_HOURS,
        initial=24,
        help_text=f"Between {MIN_EXPIRY_HOURS} and {MAX_EXPIRY_HOURS} hours (7 days).",
    )
    redirect_url = forms.CharField(
        required=False,
        max_length=2048,
        help_text="Optional. An https URL on one of the partner's permitted domains.",
    )
    send_email = forms.BooleanField(
        required=False, initial=True, help_text="Also email the link to the user."
    )
    custom_message = forms.CharField(
        required=False,
        max_length=CUSTOM_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional plain text added to the email.",
    )

    def __init__(self, *args, memberships: QuerySet, opened_from: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = memberships
        field.label_from = opened_from
        field.label = "User" if opened_from == "account" else "Account"
        # Preselect the primary user (or the only choice).
        options = list(memberships)
        primary = next((m for m in options if m.role == "primary"), None)
        if primary is not None or len(options) == 1:
            field.initial = (primary or options[0]).pk

    def link_options(self) -> PartnerLinkOptions:
        """What generate_partner_link takes, from the cleaned data."""
        data = self.cleaned_data
        return PartnerLinkOptions(
            user_email=data["membership"].user.email,
            expiry_hours=data["expiry_hours"],
            purpose=data["purpose"],
            redirect_url=data["redirect_url"].strip() or None,
            send_notification=data["send_email"],
            notification_settings=_message_settings(data["custom_message"]),
        )


class BulkLinkForm(forms.Form):
    """Options of the "email fresh links to primary users" action."""

    purpose = forms.ChoiceField(choices=LinkPurpose.choices, initial=LinkPurpose.SUPPORT_REQUEST)
    expiry_hours = forms.IntegerField(
        min_value=MIN_EXPIRY_HOURS, max_value=MAX_EXPIRY_HOURS, initial=MAX_EXPIRY_HOURS
    )
    custom_message = forms.CharField(
        required=False, max_length=CUSTOM_MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def link_options(self) -> PartnerLinkOptions:
        """The options of every account's link (each for its primary user, always emailed)."""
        data = self.cleaned_data
        return PartnerLinkOptions(
            expiry_hours=data["expiry_hours"],
            purpose=data["purpose"],
            send_notification=True,
            notification_settings=_message_settings(data["custom_message"]),
        )
