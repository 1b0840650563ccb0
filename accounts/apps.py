"""App config for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and partners"

    def ready(self) -> None:
        from django.contrib.auth import user_logged_in

        from .last_login import update_last_login

        # Django's receiver saves last_login with one more UPDATE at every login(); ours skips
        # that when the sign-in already wrote it in its own statement (accounts.last_login).
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(update_last_login, dispatch_uid="accounts.update_last_login")
