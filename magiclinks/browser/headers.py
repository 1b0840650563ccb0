"""Headers and CSRF handling of pages whose URL holds a link secret.

- `Referrer-Policy: no-referrer`: the site-wide policy (same-origin) would still send the full
  URL, secret included, in the Referer of every same-origin request; here nothing is sent anywhere,
  not to our own origin, not to a partner's logo host, not to the page the person goes to next.
- `Cache-Control: no-store` (Django's `never_cache` adds it): neither the browser nor a shared
  proxy may keep a copy of a page that was served for a secret URL.

The catch: under `no-referrer` browsers send `Origin: null` with the page's own form POSTs (Fetch
standard, "append a request Origin header"), and Django's CSRF middleware rejects a null origin,
so the Continue button would fail in every real browser (the Django test client never shows this).
`token_page` therefore runs Django's own CSRF check (`csrf_protect`, token and origin) itself,
after one adjustment: a null Origin is read as our own origin only when the browser also says the
request is `Sec-Fetch-Site: same-origin`. Browsers set that header themselves and pages cannot
forge it, and a cross-site or plain-HTTP-to-HTTPS submission is never labelled same-origin, so the
origin check keeps its meaning; the CSRF token is still required in every case.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect


def vouch_for_null_origin(request: HttpRequest) -> None:
    """Read `Origin: null` as our own origin when the browser says `Sec-Fetch-Site: same-origin`
    (call before Django's CSRF check on any POST from a `no-referrer` page)."""
    if (
        request.META.get("HTTP_ORIGIN") == "null"
        and request.headers.get("Sec-Fetch-Site") == "same-origin"
    ):
        request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view whose URL carries a secret (see the module docstring)."""
    protected = csrf_protect(view)

    # csrf_exempt only stops the global middleware from checking first: `protected` checks.
    @csrf_exempt
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        vouch_for_null_origin(request)
        response = protected(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped
