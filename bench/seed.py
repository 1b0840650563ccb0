"""Seeding for the benchmark, run under bench.settings by bench/run.py.

`python bench/seed.py base N OUT.json`: a partner whose per-key and per-account limits are raised
for the bench, its key, N accounts (one primary user each, so the per-account link limit is never
the bottleneck) and an Admin API service key.
`python bench/seed.py links N OUT.json`: N fresh partner login links (each for its own user) for
the redeem scenario and N django-sesame one-time tokens (each for its own user) for the peer.
Secrets are written only to OUT.json, a temporary file the load generator reads.
"""

import json
import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from accounts.key_services import create_partner_key, create_service_key  # noqa: E402
from accounts.models import Account, Membership, MembershipRole, Partner, User  # noqa: E402
from audit.actors import Actor  # noqa: E402
from magiclinks.flows.issue import issue_link  # noqa: E402
from magiclinks.models import LinkKind  # noqa: E402

BIG = 1_000_000_000
SEED_ACTOR = Actor.system("bench seed")


def _bench_partner() -> Partner:
    partner, _ = Partner.objects.get_or_create(
        name="Bench",
        defaults={
            "permitted_domains": ["example.com"],
            "rate_limit_per_minute": BIG,
            "rate_limit_per_day": BIG,
        },
    )
    return partner


def _accounts(partner: Partner, count: int, tag: str) -> list[tuple[Account, User]]:
    users = User.objects.bulk_create(
        User(email=f"{tag}-{i}@example.com", password="!", first_name="Bench", last_name=str(i))
        for i in range(count)
    )
    accounts = Account.objects.bulk_create(Account(partner=partner) for _ in range(count))
    Membership.objects.bulk_create(
        Membership(account=a, user=u, role=MembershipRole.PRIMARY)
        for a, u in zip(accounts, users, strict=True)
    )
    return list(zip(accounts, users, strict=True))


def seed_base(count: int) -> dict:
    partner = _bench_partner()
    with transaction.atomic():
        pairs = _accounts(partner, count, "acct")
    return {
        "partner_key": create_partner_key(partner, actor=SEED_ACTOR).plaintext,
        "service_key": create_service_key(
            f"bench-{uuid.uuid4().hex[:8]}", actor=SEED_ACTOR
        ).plaintext,
        "accounts": [account.pk for account, _ in pairs],
        "emails": [user.email for _, user in pairs],
    }


def seed_links(count: int) -> dict:
    from sesame.utils import get_token

    partner = _bench_partner()
    tag = uuid.uuid4().hex[:8]
    with transaction.atomic():
        pairs = _accounts(partner, count, f"redeem-{tag}")
        peers = User.objects.bulk_create(
            User(email=f"peer-{tag}-{i}@example.com", password="!") for i in range(count)
        )
    secrets = [
        issue_link(
            user=user,
            kind=LinkKind.PARTNER_LOGIN,
            account=account,
            actor=Actor.partner(partner),
            lifetime=timedelta(days=7),
        ).secret
        for account, user in pairs
    ]
    return {"link_secrets": secrets, "sesame_tokens": [get_token(user) for user in peers]}


def main() -> None:
    what, count, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    data = seed_base(count) if what == "base" else seed_links(count)
    out.write_text(json.dumps(data))


if __name__ == "__main__":
    main()
