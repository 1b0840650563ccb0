"""supabase_api.flows.pkce: a link started with a code challenge is answered at verification
with an auth code, which only the verifier's holder can exchange, once, within its lifetime."""

import base64
import hashlib
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from magiclinks.models import LinkKind
from supabase_api.flows import pkce
from supabase_api.flows.admin_links import LinkRequest
from supabase_api.flows.email_links import send_link
from supabase_api.flows.errors import (
    BadCodeVerifier,
    FlowStateExpired,
    FlowStateNotFound,
    PkceUserBanned,
)
from supabase_api.flows.verify import verify_secret, verify_token_hash
from supabase_api.models import AuthSession, FlowState

from .supabase_api_support import at_once

pytestmark = pytest.mark.django_db
VERIFIER = secrets.token_urlsafe(48)


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def pkce_link(make, *, method="s256", kind=LinkKind.MAGICLINK):
    user = make.user("kim@example.com", email_confirmed_at=timezone.now())
    challenge = s256(VERIFIER) if method == "s256" else VERIFIER
    req = LinkRequest(
        type=kind,
        email=user.email,
        redirect_to="https://app/cb",
        pkce=pkce.PkceChallenge(challenge=challenge, method=method),
    )
    return user, send_link(req, actor=Actor.user(user))


def auth_code(make, **kwargs) -> str:
    _, generated = pkce_link(make, **kwargs)
    verified = verify_secret(generated.issued.secret, "magiclink", pkce=True)
    assert verified.session is None and verified.auth_code
    return verified.auth_code


@pytest.mark.parametrize("method", ["s256", "plain"])
def test_the_code_and_its_verifier_give_the_session_once(make, method):
    code = auth_code(make, method=method)
    assert not AuthSession.objects.exists()  # no session before the exchange
    issued = pkce.exchange(code, VERIFIER)
    assert issued.user.email == "kim@example.com" and issued.session.method == "otp"
    with pytest.raises(FlowStateNotFound):
        pkce.exchange(code, VERIFIER)
    assert AuthSession.objects.count() == 1


def test_only_the_digest_of_the_code_is_stored(make):
    code = auth_code(make)
    flow = FlowState.objects.get()
    assert flow.auth_code_digest == hashlib.sha256(code.encode()).hexdigest()
    assert code not in str(list(FlowState.objects.values()))


def test_a_wrong_verifier_is_bad_code_verifier_and_does_not_use_up_the_code(make):
    code = auth_code(make)
    with pytest.raises(BadCodeVerifier):
        pkce.exchange(code, VERIFIER + "x")
    assert pkce.exchange(code, VERIFIER).user.email == "kim@example.com"


def test_an_unknown_code_is_flow_state_not_found(make):
    auth_code(make)
    with pytest.raises(FlowStateNotFound):
        pkce.exchange("not-a-code", VERIFIER)


def test_an_expired_code_is_flow_state_expired(make, settings):
    code = auth_code(make)
    FlowState.objects.update(
        auth_code_issued_at=timezone.now()
        - timedelta(seconds=settings.FLOW_STATE_EXPIRY_SECONDS + 1)
    )
    with pytest.raises(FlowStateExpired):
        pkce.exchange(code, VERIFIER)


def test_a_user_banned_after_verification_gets_no_session(make):
    code = auth_code(make)
    User.objects.update(banned_until=timezone.now() + timedelta(days=1))
    with pytest.raises(PkceUserBanned):
        pkce.exchange(code, VERIFIER)


def test_a_user_made_staff_after_verification_gets_no_session(make):
    code = auth_code(make)
    User.objects.update(is_staff=True)
    with pytest.raises(FlowStateNotFound):
        pkce.exchange(code, VERIFIER)


def test_the_json_verify_of_a_pkce_link_answers_the_session_as_upstream(make):
    _, generated = pkce_link(make)
    verified = verify_token_hash(generated.issued.hashed_token, "magiclink")
    assert verified.session is not None and verified.auth_code is None


def test_a_link_without_a_challenge_is_the_implicit_flow(make):
    user = make.user("kim@example.com", email_confirmed_at=timezone.now())
    generated = send_link(
        LinkRequest(type=LinkKind.MAGICLINK, email=user.email), actor=Actor.user(user)
    )
    verified = verify_secret(generated.issued.secret, "magiclink", pkce=True)
    assert verified.session is not None and verified.auth_code is None


def test_verifier_matches_follows_rfc_7636():
    # RFC 7636 appendix B.
    flow = FlowState(
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method="s256"
    )
    assert pkce.verifier_matches(flow, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert not pkce.verifier_matches(flow, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_exchanges_of_one_code_give_one_session(make, postgres):
    code = auth_code(make)
    outcomes = at_once(lambda: pkce.exchange(code, VERIFIER))
    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "FlowStateNotFound",
        "IssuedSession",
    ]
    assert AuthSession.objects.count() == 1
