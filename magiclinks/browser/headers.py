"""Headers and CSRF handling of pages whose URL holds a link secret.

- `Referrer-Policy: no-referrer`: the site-wide policy (same-origin) would still send the full
  URL, secret included, in the Referer of every same-origin request; here nothing is sent anywhere,
  not to our own origin, not to a partner's logo host, not to the page the person goes to next.
- `Cache-Control: no-store` (Django's `never_cache` adds it): neither the browser nor a shared
  proxy may keep a copy of a page that was served for a secret URL.

Under `no-referrer` browsers send `Origin: null` with the page's own form POSTs, which Django's
CSRF check would reject; `config.middleware.SameOriginNullOriginMiddleware` handles that for
every page, before the usual CSRF check (token and origin) runs.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view whose URL carries a secret (see the module docstring)."""

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped
