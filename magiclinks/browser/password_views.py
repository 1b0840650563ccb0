"""Passwords in the browser: sign in, sign out, set a password, forgot password, reset link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import normalize_email_address
from ratelimits.counting import Hit, count, count_after, ip_of

from ..flows.password_reset import request_password_reset
from ..flows.set_password import set_password
from ..flows.sign_in import (
    find_reset_link,
    record_failed_password,
    sign_in_with_password,
    sign_in_with_reset_link,
    sign_out,
)
from ..notifications.branding import brand_for
from .failures import failure_for, failure_of_link
from .forms import EmailForm, SignInForm
from .headers import token_page
from .rate_limited import address_of, limited
from .responses import failure_page, see_other
from .session_state import (
    allow_new_password,
    forget_password_method,
    partner_of,
    password_method,
    pop_next,
    remember_next,
)


@method_decorator(limited, name="dispatch")
class PasswordSignInView(LoginView):
    """Django's LoginView (CSRF, safe `next`, never_cache) with our limits and audit events."""

    template_name = "browser/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Counted before the password is checked, so guessing costs an attempt either way.
        count(
            Hit("browser.password_login.ip", ip_of(request)),
            Hit(
                "browser.password_login.address",
                normalize_email_address(request.POST.get("username", "")),
            ),
        )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: SignInForm) -> HttpResponse:
        sign_in_with_password(self.request, form.get_user())
        return see_other(self.get_success_url())

    def form_invalid(self, form: SignInForm) -> HttpResponse:
        record_failed_password(self.request.POST.get("username", ""))
        return super().form_invalid(form)


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    # POST only (with CSRF): a GET would let any page sign people out with an <img> tag.
    sign_out(request)
    messages.info(request, "You have been signed out.")
    return see_other(reverse("browser:login"))


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def set_password_view(request: HttpRequest) -> HttpResponse:
    method = password_method(request)
    if method is None:
        # They already have a password and did not come through a reset link.
        return see_other(pop_next(request))
    form = SetPasswordForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        set_password(request, form, method=method)
        forget_password_method(request)
        next_url = pop_next(request)
        if next_url.startswith("/"):  # a partner's site would never show it; ours would, later
            messages.success(request, "Your password is set. Use it to sign in next time.")
        return see_other(next_url)
    status = 400 if request.method == "POST" else 200
    partner = partner_of(request)
    context = {"form": form, "method": method, "partner": partner, "brand": brand_for(partner, {})}
    return render(request, "browser/set_password.html", context, status=status)


@never_cache
@limited
@require_http_methods(["GET", "HEAD", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "browser/forgot_password.html", {"form": EmailForm()})
    form = EmailForm(request.POST)
    valid = count_after(
        form.is_valid,
        [Hit("browser.password_reset.ip", ip_of(request))],
        lambda valid: [Hit("browser.password_reset.address", address_of(form))] if valid else [],
    )
    if not valid:
        return render(request, "browser/forgot_password.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    request_password_reset(email)
    # The same page whatever happened: it must not reveal whether the address is known.
    return render(request, "browser/forgot_sent.html", {"email": email})


@token_page
@limited
@require_http_methods(["GET", "HEAD", "POST"])
def reset_password(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed reset link: a confirm page on GET (scanners), sign-in on POST."""
    if request.method == "POST":
        count(Hit("browser.reset_confirm.ip", ip_of(request)))
        result = sign_in_with_reset_link(request, token)
        if not result.ok:
            failure = failure_for(result.failure, result.link)
            return failure_page(request, failure, None, retry_url=reverse("browser:forgot"))
        allow_new_password(request, "password_reset")
        remember_next(request, "")
        return see_other(reverse("browser:set_password"))
    link = find_reset_link(token)
    failure = failure_of_link(link)
    if failure is not None:
        return failure_page(request, failure, None, retry_url=reverse("browser:forgot"))
    return render(request, "browser/reset_confirm.html", {"link": link})
