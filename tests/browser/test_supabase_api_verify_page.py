"""The Admin API's verify confirmation page in a real browser: Continue redeems the link and the
303 lands on redirect_to with the session in the fragment.

Django's test client sends no Origin header; Chromium sends `Origin: null` from this
no-referrer page, which is what this test is for.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.link_urls import link_url
from magiclinks.models import LinkKind, LoginLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_confirming_the_verify_page_signs_in_and_redirects_with_the_session(
    page, live_server, make
):
    user = make.user()
    issued = issue_link(
        user=user,
        kind=LinkKind.MAGICLINK,
        actor=Actor.system("test"),
        lifetime=timedelta(hours=1),
        redirect_url=settings.SITE_URL,
    )
    url = link_url(issued.link, issued.secret).replace(settings.PUBLIC_BASE_URL, live_server.url)
    # The app at SITE_URL is not running here: answer its page in the browser.
    page.route(f"{settings.SITE_URL}/**", lambda route: route.fulfill(body="app", status=200))

    page.goto(url)
    assert LoginLink.objects.get(pk=issued.link.pk).used_at is None  # GET consumed nothing
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{settings.SITE_URL}/**")

    fragment = parse_qs(urlsplit(page.url).fragment)
    assert fragment["token_type"] == ["bearer"] and fragment["type"] == ["magiclink"]
    assert fragment["access_token"][0] and fragment["refresh_token"][0]
    assert LoginLink.objects.get(pk=issued.link.pk).used_at is not None
