"""last_login at sign-in, without a second UPDATE when the sign-in has already written it.

Django connects `django.contrib.auth.models.update_last_login` to `user_logged_in`: every
`login()` saves the user's last_login with its own UPDATE. A link sign-in consumes the link in one
statement (magiclinks.flows.redeem) that can set last_login too, since it holds the person's row
lock anyway; it then marks the user with `written_by_sign_in(user, when)`, and the receiver below
skips the UPDATE for that one login. Every other login() keeps Django's behaviour.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import update_last_login as django_update_last_login

_WRITTEN = "_last_login_written"


def written_by_sign_in(user: Any, when: datetime) -> None:
    """The caller has stored `when` as the user's last_login in this transaction."""
    user.last_login = when
    setattr(user, _WRITTEN, True)


def update_last_login(sender: Any, user: Any, **kwargs: Any) -> None:
    if user.__dict__.pop(_WRITTEN, False):
        return
    django_update_last_login(sender, user, **kwargs)
