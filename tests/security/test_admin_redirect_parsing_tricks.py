"""Admin API `redirect_to`: hosts that a glob of REDIRECT_ALLOW_LIST matches as written but a
browser resolves differently (percent-encoding, IDNA dot look-alikes, backslashes, invisible
characters, user-info) are refused, as they already are for partner redirects.

The attack of the review: with `REDIRECT_ALLOW_LIST=https://*.myapp.com/**`, the `*` (one label)
matched `evil%2ecom`, and the browser decodes the host to `evil.com.myapp.com`: a name two labels
deep that the rule never allowed. The same trick works with U+FF0E (fullwidth full stop), which
IDNA maps to ".".
"""

import pytest

from supabase_api.redirects import is_allowed, redirect_or_site_url
from tests.supabase_api_support import V2024, new_service_key

SITE = "https://myapp.com"
RULE = "https://*.myapp.com/**"

# Each of these must be refused (the comment says what a browser makes of it).
TRICKS = [
    "https://evil%2ecom.myapp.com/",  # the attack: the host decodes to evil.com.myapp.com
    "https://evil%2Ecom.myapp.com/",
    "https://EVIL%2eCOM.myapp.com/welcome",
    "https://evil%252ecom.myapp.com/",  # double encoding
    "https://%65vil.myapp.com/",  # any percent-encoding in the host
    "https://evil.com%2f.myapp.com/",  # an encoded "/"
    "https://evil.com%40x.myapp.com/",  # an encoded "@"
    "https://evil\uff0ecom.myapp.com/",  # fullwidth full stop: IDNA maps it to "."
    "https://evil\u3002com.myapp.com/",  # ideographic full stop
    "https://evil\uff61com.myapp.com/",  # halfwidth ideographic full stop
    "https://evil.com\\.myapp.com/",  # WHATWG reads "\" as "/": the host is evil.com
    "https://evil.com\\@x.myapp.com/",
    "https://x.myapp.com@evil.com/",  # user-info: the host is evil.com
    "https://x:y@app.myapp.com/",
    "https://myapp.com%2f@evil.com/",  # SITE_URL's origin with tricks
    "https://myapp%2ecom/",
    "https://ev\til.myapp.com/",  # control characters and whitespace, which browsers strip
    "https://ev\nil.myapp.com/",
    "https://ev il.myapp.com/",
    "https://evil\u200b.myapp.com/",  # zero-width space (a format character, dropped by IDNA)
    "https://evil\u00ad.myapp.com/",  # soft hyphen
    "https://evil\u202e.myapp.com/",  # bidi override
    "https://evil\u2028.myapp.com/",  # line separator
    "https://xn--.myapp.com/",  # not valid IDNA
    "https://xn--a-ecp.myapp.com/x",  # invalid punycode label
    "https://app.myapp.com./",  # trailing dot
    "https://app.myapp.com/%zz",  # malformed percent-encoding (Supabase's Go parser refuses it)
]

# Still allowed: the rule, SITE_URL's origin, percent-encoding outside the host, an IDN label.
ALLOWED = [
    "https://app.myapp.com/welcome?x=1#y",
    "https://APP.MyApp.com/x",
    "https://myapp.com/anything/at/all",
    "https://myapp.com:443/x",
    "https://app.myapp.com/a%20b?next=https%3A%2F%2Fmyapp.com%2F",
    "https://b\u00fccher.myapp.com/",  # one label, xn--bcher-kva: still one label deep
]


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.SITE_URL = SITE
    settings.REDIRECT_ALLOW_LIST = [RULE]
    settings.REDIRECT_FALLBACK_TO_SITE_URL = False


@pytest.mark.parametrize("url", TRICKS)
def test_parsing_tricks_are_refused(url):
    assert not is_allowed(url)
    assert redirect_or_site_url(url) == SITE  # error redirects fall back, never follow the trick


@pytest.mark.parametrize("url", ALLOWED)
def test_honest_targets_are_still_allowed(url):
    assert is_allowed(url)


@pytest.mark.parametrize(
    ("site_url", "target"),
    [
        ("http://localhost:3000", "http://localhost:3000/callback"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000/callback"),
        ("http://[::1]:3000", "http://[::1]:3000/callback"),
    ],
)
def test_local_development_site_urls_keep_working(settings, site_url, target):
    settings.SITE_URL = site_url
    assert is_allowed(target)
    assert not is_allowed(target.replace(":3000", ":3001"))


@pytest.mark.django_db
def test_generate_link_refuses_the_attack_url(client):
    """The attack end to end: the Admin API refuses to mint a link that would redirect there."""
    from accounts.models import User

    User.objects.create_user("victim@example.com")
    key = new_service_key()
    response = client.post(
        "/auth/v1/admin/generate_link",
        {
            "type": "magiclink",
            "email": "victim@example.com",
            "redirect_to": "https://evil%2ecom.myapp.com/",
        },
        content_type="application/json",
        headers={**V2024, "Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_failed"
