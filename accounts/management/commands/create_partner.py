"""`manage.py create_partner NAME --redirect-domain DOMAIN …`: a partner and its first API key.

The key is printed alone on the last line of stdout (for scripts: `| tail -n1`); it is shown
this once and stored only as a hash.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.domains import normalize_domain
from accounts.key_services import create_partner_key
from accounts.models import Partner
from audit.actors import Actor
from audit.recorder import record


class Command(BaseCommand):
    help = "Create a partner with its permitted redirect domains and print its first API key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument(
            "--redirect-domain",
            action="append",
            default=[],
            dest="domains",
            help="A host redirect_url may point at (its subdomains too). Repeatable.",
        )

    def handle(self, *args, name: str, domains: list[str], **options) -> None:
        try:
            permitted = sorted({normalize_domain(domain) for domain in domains})
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if Partner.objects.filter(name=name).exists():
            raise CommandError(f"A partner named {name!r} already exists.")
        actor = Actor.system("manage.py create_partner")
        with transaction.atomic():
            partner = Partner.objects.create(name=name, permitted_domains=permitted)
            record("partner.created", actor=actor, partner=partner, details={"domains": permitted})
            created = create_partner_key(partner, actor=actor)
        self.stdout.write(f"Created partner {partner.name} (id {partner.pk}).")
        self.stdout.write("Its API key (shown once, stored only as a hash):")
        self.stdout.write(created.plaintext)
