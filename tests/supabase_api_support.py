"""Helpers shared by the Admin API tests: service keys, the real Python client, the action-link
browser round trip, and service_role JWTs."""

import re
import threading
import time
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt
from django.conf import settings
from django.db import connection
from supabase_auth import SyncGoTrueClient

from accounts.key_services import create_service_key
from audit.actors import Actor
from magiclinks.link_urls import link_url
from magiclinks.models import Notification
from magiclinks.notifications import crypto

V2024 = {"X-Supabase-Api-Version": "2024-01-01"}


def new_service_key(name: str = "tests") -> str:
    return create_service_key(name, actor=Actor.system("tests")).plaintext


def client_for(base_url: str, key: str) -> SyncGoTrueClient:
    """The unmodified official client, configured as a Supabase app configures it."""
    return SyncGoTrueClient(
        url=f"{base_url}/auth/v1",
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
        auto_refresh_token=False,
    )


def service_role_jwt(role: str = "service_role", **claims) -> str:
    payload = {"role": role, "iss": "supabase", "iat": int(time.time()), **claims}
    return jwt.encode(payload, settings.JWT_SECRET, algorithm="HS256")


def open_action_link(action_link: str) -> tuple[httpx.Response, httpx.Response]:
    """Do what a person does: open the link (GET), press the button (POST). Returns both
    responses; the second is the 303 whose Location carries the fragment."""
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(action_link)
        assert page.status_code == 200, page.text
        # Lenient on markup (the page's look may change): the form's action and its inputs.
        action = re.search(r'<form[^>]*\baction="([^"]+)"', page.text)
        assert action, page.text
        fields = {
            name: unescape(value)
            for name, value in re.findall(
                r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', page.text
            )
        }
        confirm = browser.post(urljoin(action_link, unescape(action.group(1))), data=fields)
    return page, confirm


def mailed(kind: str, recipient: str) -> tuple[str, str | None]:
    """The action link and code of the newest queued email of `kind` to `recipient`: what the
    person finds in their mailbox (the outbox row holds them sealed until sending)."""
    notification = (
        Notification.objects.filter(kind=kind, recipient=recipient).order_by("-pk").first()
    )
    assert notification is not None, f"no {kind} email to {recipient}"
    secret, otp = crypto.unseal(notification.encrypted_secret)
    return link_url(notification.link, secret), otp


def code_of(location: str) -> str:
    """The PKCE auth code of /verify's redirect (`?code=`)."""
    return parse_qs(urlsplit(location).query)["code"][0]


def at_once(attempt, count: int = 2) -> list:
    """Run `attempt()` in `count` threads released together; each thread's result (or the
    exception it raised) in a list. Each thread closes its own database connection."""
    barrier = threading.Barrier(count)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(attempt())
        except Exception as exc:  # the caller asserts on what each attempt gave
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
