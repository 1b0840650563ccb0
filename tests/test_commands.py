"""Management commands: create_partner, create_service_key, seed_demo."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts import keys
from accounts.models import Partner, PartnerApiKey, ServiceKey

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_partner_prints_a_key_stored_only_as_its_hash():
    lines = run(
        "create_partner",
        "Acme",
        "--redirect-domain",
        "Acme.COM",
        "--redirect-domain",
        "app.acme.io",
    )
    plaintext = lines[-1]
    assert plaintext.startswith("15th_") and len(plaintext) == 5 + 43
    partner = Partner.objects.get(name="Acme")
    assert partner.permitted_domains == ["acme.com", "app.acme.io"]
    stored = PartnerApiKey.objects.get(partner=partner)
    assert stored.key_digest == keys.digest_key(plaintext) and stored.last4 == plaintext[-4:]
    assert plaintext not in str(PartnerApiKey.objects.values().get())


def test_create_partner_refuses_bad_domains_and_duplicates():
    with pytest.raises(CommandError):
        run("create_partner", "Bad", "--redirect-domain", "not a domain")
    run("create_partner", "Dup")
    with pytest.raises(CommandError):
        run("create_partner", "Dup")


def test_create_service_key_prints_a_usable_key():
    plaintext = run("create_service_key", "ci")[-1]
    assert plaintext.startswith("lgsk_")
    stored = ServiceKey.objects.get(name="ci")
    assert keys.digests_match(stored.key_digest, plaintext)
    assert plaintext not in str(ServiceKey.objects.values().get())


def test_seed_demo_is_repeatable_and_prints_working_credentials():
    first = "\n".join(run("seed_demo"))
    second = "\n".join(run("seed_demo"))
    assert "curl -s -X POST" in second and "Authorization: Bearer 15th_" in second
    assert Partner.objects.count() == 1
    demo_keys = PartnerApiKey.objects.filter(name="demo")
    assert demo_keys.count() == 2 and demo_keys.filter(revoked_at=None).count() == 1
    assert first != second  # fresh key and password each time


def test_seed_demo_client_has_no_password_until_they_set_one():
    from accounts.models import User

    run("seed_demo")
    assert not User.objects.get(email="jane.doe@example.com").has_usable_password()
