"""/verify: the action link's landing page, its confirmation, and the clients' JSON verify.

- GET (and HEAD) /verify?token=&type=&redirect_to= shows a confirmation page and consumes
  nothing: mail scanners and link previews fetch URLs (supabase/auth#1214). Its form POSTs to
  /verify/confirm (CSRF-protected), which redeems and answers 303 to the redirect with the
  session, or the error, in the URL fragment, as Supabase does on GET; a link that started a
  PKCE flow gets `?code=<auth code>` in the query instead (exchanged at grant_type=pkce).
  VERIFY_CONSUMES_ON_GET=true restores Supabase's consume-on-GET.
- POST /verify (JSON, the clients' verify_otp) redeems by email + OTP or by token_hash and
  answers the session.
"""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request

from magiclinks.flows.errors import FlowError
from magiclinks.link_urls import verify_type as verify_type_of
from ratelimits.counting import Hit, count_after, ip_of

from .. import errors
from ..errors import GoTrueError
from ..flows.verify import Verified, verify_email_otp, verify_secret, verify_token_hash
from ..redirects import redirect_or_site_url
from ..representations import session_json
from ..serializers import ActionLink, ActionLinkSerializer, VerifySerializer
from .base import GoTrueView

LINK_ERROR_DESCRIPTION = "Email link is invalid or has expired"


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303
    # Redirect targets come from the allow-list (any scheme it admits), not from user input.
    allowed_schemes = ["http", "https"]


def _with_fragment(url: str, params: list[tuple[str, object]]) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=urlencode(params)))


def _with_query(url: str, params: list[tuple[str, object]]) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit(parts._replace(query=query, fragment=""))


def _success_redirect(verified: Verified) -> HttpResponse:
    issued = verified.session
    target = verified.link.redirect_url or settings.SITE_URL
    if verified.auth_code is not None:
        # PKCE (supabase/auth verify.go prepPKCERedirectURL): the code in the query; the session
        # is handed out only to whoever also holds the code verifier.
        return _see_other(_with_query(target, [("code", verified.auth_code)]))
    fragment = [
        ("access_token", issued.access_token),
        ("expires_at", issued.expires_at),
        ("expires_in", issued.expires_in),
        ("refresh_token", issued.refresh_token),
        ("token_type", "bearer"),
        ("type", verify_type_of(verified.link.kind)),
    ]
    return _see_other(_with_fragment(target, fragment))


def _error_redirect(requested: object, exc: GoTrueError) -> HttpResponse:
    description = LINK_ERROR_DESCRIPTION if exc.error_code == "otp_expired" else exc.message
    fragment = [
        ("error", "access_denied"),
        ("error_code", exc.error_code),
        ("error_description", description),
    ]
    return _see_other(_with_fragment(redirect_or_site_url(requested), fragment))


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseSeeOther(url)
    # The fragment carries the session: keep it out of caches and Referer headers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _per_ip(request: HttpRequest) -> Hit:
    """The brute-force guard of /verify, on top of the per-link OTP attempt limit."""
    return Hit("auth.verify.ip", ip_of(request))


def _action_link(params) -> ActionLink:
    """The query's or form's token and type (400 validation_failed when malformed)."""
    return ActionLinkSerializer(data=params).run_validation(params)


def _redeem_link(request: HttpRequest, params) -> HttpResponse:
    """Consume the action link and redirect with the session or the error (GET or confirm)."""
    # Security: counted whether or not the link parses: malformed attempts count as well.
    link = count_after(lambda: _action_link(params), [_per_ip(request)], lambda link: [])
    try:
        verified = verify_secret(link.token, link.type, pkce=True)
    except FlowError as exc:
        # Refusals go back to the app, in the fragment (as Supabase does on GET).
        return _error_redirect(link.redirect_to, errors.from_flow_error(exc))
    return _success_redirect(verified)


class VerifyView(GoTrueView):
    def get(self, request: Request) -> HttpResponse:
        params = request.query_params
        link = _action_link(params)
        if settings.VERIFY_CONSUMES_ON_GET:
            return _redeem_link(request._request, params)
        response = render(
            request._request,
            "gotrue/verify.html",
            {
                "token": link.token,
                "verify_type": link.type,
                "redirect_to": redirect_or_site_url(link.redirect_to),
                "action": verify_type_of(link.type),
            },
        )
        # The page holds the link secret: never cached, never leaked through Referer.
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response

    def post(self, request: Request) -> JsonResponse:
        # Security: the per-IP limit is counted whether or not the body parses, so malformed
        # bodies (deep JSON included) use up the allowance like any other guess; code guesses
        # by address also count per address (`auth.verify.address`), for every address asked
        # about, with or without an account, so a 429 says nothing about who is registered. The
        # price: a stranger can make one person's code answer 429 for a few minutes; that
        # person's link (by its action link or hashed_token) is not affected.
        req = count_after(
            lambda: self.validated(VerifySerializer, self.body()),
            [_per_ip(request._request)],
            lambda req: (
                [Hit("auth.verify.address", req.email)] if req.email and not req.token_hash else []
            ),
        )
        if req.token_hash:
            verified = verify_token_hash(req.token_hash, req.type)
        elif req.email:
            verified = verify_email_otp(req.email, req.token, req.type)
        else:
            # Supabase's older form: {token, type} with the link token itself.
            verified = verify_secret(req.token, req.type)
        return JsonResponse(session_json(verified.session))


def _csrf_failed(request: HttpRequest) -> bool:
    """Django's own CSRF check, run here (as DRF does) so a failure can be answered in JSON."""
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None


@never_cache
@csrf_exempt  # checked by _csrf_failed below, which answers JSON instead of Django's HTML page
def verify_confirm(request: HttpRequest) -> HttpResponse:
    """The confirmation page's form: redeem, then 303 with the session in the fragment."""
    if request.method != "POST":
        response = errors.error_response(request, 405, "method_not_allowed", "Use POST.")
        response["Allow"] = "POST"
        return response
    # Security: without the CSRF check another site could make a browser redeem a link it
    # planted (signing the victim into the attacker's account). The page is no-referrer, so
    # its form arrives with `Origin: null`: see config.middleware.SameOriginNullOriginMiddleware.
    if _csrf_failed(request):
        return errors.error_response(
            request, 403, "csrf_failed", "The form expired or was not sent from this site."
        )
    try:
        return _redeem_link(request, request.POST)
    except Exception as exc:
        # Not a DRF view: its refusals (a rate limit, a malformed form) are mapped here; anything
        # else (an unreachable dependency) is left to the fault barrier.
        refusal = errors.as_gotrue_error(exc)
        if refusal is None:
            raise
        return errors.from_exception(request, refusal)
