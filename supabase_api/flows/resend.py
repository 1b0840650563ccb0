"""POST /resend: a new signup confirmation or email-change link (supabase/auth
internal/api/resend.go).

Answers `{}` whatever the address: nothing is sent for an unknown address, an already
confirmed one (signup), a user with no pending email change (email_change), a staff member,
a banned or deactivated user. `sms` and `phone_change` are upstream types for a phone provider,
which this service does not have: 400 `phone_provider_disabled`, as upstream answers with the
phone provider off.
"""

from dataclasses import dataclass

from accounts.models import User
from audit.actors import Actor
from magiclinks.models import LinkKind

from .admin_links import LinkRequest, default_lifetime
from .email_links import send_link, usable
from .errors import EmailExists, PhoneProviderDisabled
from .pkce import PkceChallenge

RESEND_TYPES = ("signup", "email_change", "sms", "phone_change")


@dataclass(frozen=True)
class ResendRequest:
    type: str
    email: str = ""
    redirect_to: str = ""
    pkce: PkceChallenge | None = None


def _link_for(user: User, req: ResendRequest) -> tuple[LinkRequest, str] | None:
    """The link to send again and its email template, or None when there is nothing to send."""
    common = {"redirect_to": req.redirect_to, "lifetime": default_lifetime(), "pkce": req.pkce}
    if req.type == "signup":
        if user.email_confirmed_at is not None:
            return None
        return LinkRequest(type=LinkKind.SIGNUP, email=user.email, **common), "signup"
    if not user.new_email:
        return None
    link = LinkRequest(
        type=LinkKind.EMAIL_CHANGE_NEW, email=user.email, new_email=user.new_email, **common
    )
    return link, "email_change"


def resend(req: ResendRequest) -> None:
    if req.type not in ("signup", "email_change"):
        raise PhoneProviderDisabled()
    user = User.objects.filter(email=req.email).first()
    if not usable(user):
        return  # unknown, staff, banned or deactivated: the same {} and nothing sent
    found = _link_for(user, req)
    if found is not None:
        link, template = found
        try:
            send_link(link, actor=Actor.user(user), kind=template)
        except EmailExists:
            # The pending new address was taken meanwhile: nothing is sent, and the answer
            # stays {} (it must not tell a stranger that some other account has that address).
            return
