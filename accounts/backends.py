"""The authentication backend: Django's ModelBackend, refusing banned users as well.

Django's ModelBackend refuses users with `is_active = False`, both when they sign in and on every
later request of their session (`get_user`). A ban (`banned_until` in the future, the Admin API's
`ban_duration` or the Django admin) must do the same: without this a banned person kept their
browser session and could sign in again with their password.
"""

from typing import Any

from django.contrib.auth import backends


class ModelBackend(backends.ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        # Security: asked at sign-in and on every request of an existing session, so a ban
        # signs the person out everywhere at once, as a deactivation does.
        return super().user_can_authenticate(user) and not getattr(user, "is_banned", False)
