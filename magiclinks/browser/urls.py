"""End-user pages under /auth/ (the Admin API's /auth/v1/ is mounted before these)."""

from django.urls import path

from . import account_views, link_views, password_views

app_name = "browser"

urlpatterns = [
    path("partner-login/<str:token>", link_views.partner_login, name="partner_login"),
    path("partner-login/<str:token>/new-link", link_views.fresh_link, name="fresh_link"),
    path("login/", password_views.PasswordSignInView.as_view(), name="login"),
    path("logout/", password_views.sign_out_view, name="logout"),
    path("password/set/", password_views.set_password_view, name="set_password"),
    path("password/forgot/", password_views.forgot_password, name="forgot"),
    path("password/reset/<str:token>", password_views.reset_password, name="reset"),
    path("account/", account_views.account, name="account"),
    path("brand/<int:partner_id>.css", account_views.brand_css, name="brand_css"),
]
