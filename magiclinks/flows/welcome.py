"""The first link a new member of a partner account receives (7 days), optionally emailed.

Shared by create_account (primary holder and spouse) and add_user. Runs inside the caller's
transaction, so the link, its audit events and the outbox row commit with the membership.
"""

from dataclasses import dataclass
from datetime import timedelta

from accounts.models import Account, User
from audit.actors import Actor

from ..link_urls import link_url
from ..models import LinkKind
from ..notifications.outbox import queue_link_email
from .issue import IssuedLink, issue_link
from .partner_link import DEFAULT_EXPIRY_HOURS, DEFAULT_NOTIFICATION_SETTINGS


@dataclass(frozen=True)
class WelcomeLink:
    issued: IssuedLink
    url: str
    notification_queued: bool


def issue_welcome_link(
    account: Account,
    user: User,
    *,
    actor: Actor,
    purpose: str,
    notify: bool,
    notification_kind: str,
) -> WelcomeLink:
    issued = issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        actor=actor,
        lifetime=timedelta(hours=DEFAULT_EXPIRY_HOURS),
        account=account,
        purpose=purpose,
    )
    if notify:
        queue_link_email(
            issued,
            kind=notification_kind,
            actor=actor,
            options=DEFAULT_NOTIFICATION_SETTINGS,
        )
    return WelcomeLink(
        issued=issued, url=link_url(issued.link, issued.secret), notification_queued=notify
    )
