"""Routes of the Admin API (/auth/v1): links and verification from magiclinks, sessions and
user administration from accounts.gotrue, and the OpenAPI schema of the admin endpoints."""

from django.urls import path

from accounts.gotrue.admin_user_views import AdminUsersView, AdminUserView
from accounts.gotrue.session_views import LogoutView, TokenView

from .link_views import GenerateLinkView, InviteView
from .public_views import HealthView, OtpView, RecoverView, SettingsView
from .schema import AdminApiSchemaView
from .user_views import UserWithEmailChangeView
from .verify_views import VerifyView, verify_confirm

app_name = "gotrue"

urlpatterns = [
    path("admin/generate_link", GenerateLinkView.as_view(), name="generate-link"),
    path("admin/users", AdminUsersView.as_view(), name="admin-users"),
    path("admin/users/<str:user_id>", AdminUserView.as_view(), name="admin-user"),
    path("invite", InviteView.as_view(), name="invite"),
    path("verify", VerifyView.as_view(), name="verify"),
    path("verify/confirm", verify_confirm, name="verify-confirm"),
    path("otp", OtpView.as_view(), name="otp"),
    path("recover", RecoverView.as_view(), name="recover"),
    path("token", TokenView.as_view(), name="token"),
    path("user", UserWithEmailChangeView.as_view(), name="user"),
    path("logout", LogoutView.as_view(), name="logout"),
    path("settings", SettingsView.as_view(), name="settings"),
    path("health", HealthView.as_view(), name="health"),
    path("schema/", AdminApiSchemaView.as_view(), name="schema"),
]
