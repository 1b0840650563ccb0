"""accounts.redirects.validate_partner_redirect: hostile forms are refused, good ones normalised."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.redirects import validate_partner_redirect

PERMITTED = ["yourplatform.com"]

HOSTILE = [
    "http://yourplatform.com/",  # not https
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://yourplatform.com/",
    "//evil.com",  # scheme-relative
    "//yourplatform.com/",
    "/relative/path",
    "yourplatform.com/dashboard",  # not absolute
    "https:yourplatform.com",
    "https:/yourplatform.com",
    "https:///evil.com",
    "https://evil.com",
    "https://yourplatform.com.evil.com/",  # permitted name as a prefix
    "https://evilyourplatform.com/",  # permitted name as a suffix, not a label
    "https://evil.com/?yourplatform.com",  # permitted name in the query
    "https://evil.com/yourplatform.com",
    "https://evil.com#yourplatform.com",
    "https://yourplatform.com@evil.com/",  # user-info tricks
    "https://user:pass@yourplatform.com/",
    "https://evil.com@yourplatform.com/",
    "https://yourplatform.com%40evil.com/",
    "https://yourplatform.com%2F@evil.com",
    "https://yourplatform%2ecom/",  # percent-encoded host
    "https://%79ourplatform.com/",
    "https://yourplаtform.com/",  # Cyrillic "а" look-alike
    "https://уourplatform.com/",  # Cyrillic "у"
    "https://xn--yourpltform-3ij.com/",  # the look-alike in punycode
    "https://evil.com\\@yourplatform.com/",  # backslashes
    "https://yourplatform.com\\evil.com",
    "https:\\\\evil.com",
    "https://your\tplatform.com/",  # control characters / whitespace
    "https://yourplatform.com\n.evil.com/",
    " https://yourplatform.com/",
    "https://yourplatform.com /",
    "https://your\u200bplatform.com/",  # zero-width space
    "https://yourplatform.com\u202e/moc.live",  # bidi override
    "https://yourplatform.com:8443/",  # ports other than 443
    "https://yourplatform.com:80/",
    "https://yourplatform.com:0/",
    "https://yourplatform.com:99999/",
    "https://yourplatform.com:abc/",
    "https://127.0.0.1/",  # IP literals
    "https://[::1]/",
    "https://[evil.com/",
    "https://yourplatform.com./",  # trailing dot
    "https://yourplatform.com/%zz",  # malformed percent-encoding
    "https://" + "a" * 2100 + ".yourplatform.com/",  # too long
    "",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_redirect_is_rejected(url):
    with pytest.raises(ValueError) as raised:
        validate_partner_redirect(url, PERMITTED)
    assert str(raised.value).startswith("redirect_url")


def test_at_least_twenty_hostile_forms_are_covered():
    assert len(HOSTILE) >= 20


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://yourplatform.com/tax-dashboard", "https://yourplatform.com/tax-dashboard"),
        ("https://app.yourplatform.com/a?b=c#d", "https://app.yourplatform.com/a?b=c#d"),
        ("HTTPS://YourPlatform.COM/x", "https://yourplatform.com/x"),
        ("https://yourplatform.com:443/x", "https://yourplatform.com/x"),
        ("https://yourplatform.com/a%20b", "https://yourplatform.com/a%20b"),
        ("https://yourplatform.com", "https://yourplatform.com"),
        (
            "https://yourplatform.com/?next=https://evil.com",
            "https://yourplatform.com/?next=https://evil.com",
        ),
    ],
)
def test_permitted_redirect_is_returned_normalised(url, expected):
    assert validate_partner_redirect(url, PERMITTED) == expected


def test_unicode_permitted_domain_matches_its_punycode_host():
    assert validate_partner_redirect("https://bücher.example/x", ["bücher.example"]) == (
        "https://xn--bcher-kva.example/x"
    )


def test_no_permitted_domains_permits_nothing():
    with pytest.raises(ValueError):
        validate_partner_redirect("https://yourplatform.com/", [])
    with pytest.raises(ValueError):
        validate_partner_redirect("https://yourplatform.com/", ["not a domain"])


label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
path = st.from_regex(r"(/[A-Za-z0-9._~-]{0,12}){0,4}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(subdomains=st.lists(label, max_size=3), tail=path)
def test_property_any_subdomain_of_a_permitted_domain_is_accepted(subdomains, tail):
    host = ".".join([*subdomains, "yourplatform.com"])
    url = f"https://{host}{tail}"
    assert validate_partner_redirect(url, PERMITTED) == url


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda a, b: f"https://{a}yourplatform.com{b}",
            st.text(max_size=15),
            st.text(max_size=15),
        ),
        st.builds(lambda a: f"https://yourplatform.com{a}", st.text(max_size=25)),
    )
)
def test_property_whatever_is_accepted_is_safe_and_stable(raw):
    try:
        result = validate_partner_redirect(raw, PERMITTED)
    except ValueError:
        return
    parts = urlsplit(result)
    assert parts.scheme == "https"
    assert parts.username is None and parts.password is None and parts.port is None
    assert parts.hostname == "yourplatform.com" or parts.hostname.endswith(".yourplatform.com")
    assert "\\" not in result
    assert validate_partner_redirect(result, PERMITTED) == result  # idempotent


@settings(max_examples=200, deadline=None)
@given(host=st.from_regex(r"[a-z0-9.-]{1,30}", fullmatch=True))
def test_property_hosts_outside_the_permitted_domain_are_rejected(host):
    if host == "yourplatform.com" or host.endswith(".yourplatform.com"):
        return
    with pytest.raises(ValueError):
        validate_partner_redirect(f"https://{host}/", PERMITTED)
