"""Routes of the Admin API (/auth/v1), and the OpenAPI schema of its endpoints. The namespace is
`gotrue` (e.g. `reverse("gotrue:verify")`)."""

from django.urls import path

from .schema import AdminApiSchemaView
from .views.admin_users import AdminUsersView, AdminUserView
from .views.end_user import ReauthenticateView, ResendView, SignupView
from .views.links import GenerateLinkView, InviteView
from .views.public import HealthView, OtpView, RecoverView, SettingsView
from .views.sessions import LogoutView, TokenView, UserView
from .views.verify import VerifyView, verify_confirm

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
    path("signup", SignupView.as_view(), name="signup"),
    path("resend", ResendView.as_view(), name="resend"),
    path("reauthenticate", ReauthenticateView.as_view(), name="reauthenticate"),
    path("token", TokenView.as_view(), name="token"),
    path("user", UserView.as_view(), name="user"),
    path("logout", LogoutView.as_view(), name="logout"),
    path("settings", SettingsView.as_view(), name="settings"),
    path("health", HealthView.as_view(), name="health"),
    path("schema/", AdminApiSchemaView.as_view(), name="schema"),
]
