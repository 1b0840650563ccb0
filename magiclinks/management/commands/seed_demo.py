"""`manage.py seed_demo`: a demo partner, account, admin user and fresh keys for `make run`.

Safe to run again: existing demo rows are reused; keys and the admin password are replaced
(earlier demo keys are revoked), because a key can only be shown when it is created.
"""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.key_services import create_partner_key, create_service_key, revoke_partner_key
from accounts.models import Account, Membership, MembershipRole, Partner, ServiceKey, User
from audit.actors import Actor
from audit.recorder import record

DEMO_PARTNER = "Demo Partner"
DEMO_DOMAIN = "example.com"
DEMO_CLIENT = "jane.doe@example.com"
DEMO_ADMIN = "admin@example.com"


class Command(BaseCommand):
    help = "Seed a demo partner, account and admin user; print fresh demo credentials."

    def handle(self, *args, **options) -> None:
        actor = Actor.system("manage.py seed_demo")
        with transaction.atomic():
            partner, _ = Partner.objects.get_or_create(
                name=DEMO_PARTNER,
                defaults={
                    "permitted_domains": [DEMO_DOMAIN],
                    "brand_name": "Demo Partner",
                    "brand_color": "#0b5fff",
                    "support_email": f"support@{DEMO_DOMAIN}",
                },
            )
            for old_key in partner.api_keys.filter(name="demo", revoked_at=None):
                revoke_partner_key(old_key, actor=actor)
            partner_key = create_partner_key(partner, actor=actor, name="demo")

            client = User.objects.filter(email=DEMO_CLIENT).first() or User.objects.create_user(
                DEMO_CLIENT, first_name="Jane", last_name="Doe"
            )
            membership = Membership.objects.filter(
                user=client, account__partner=partner, role=MembershipRole.PRIMARY
            ).first()
            if membership is None:
                account = Account.objects.create(partner=partner)
                Membership.objects.create(account=account, user=client, role=MembershipRole.PRIMARY)
                record(
                    "account.created", actor=actor, partner=partner, account=account, user=client
                )
            else:
                account = membership.account

            ServiceKey.objects.filter(name="demo").delete()
            service_key = create_service_key("demo", actor=actor)

            admin_password = secrets.token_urlsafe(12)
            admin = User.objects.filter(email=DEMO_ADMIN).first()
            if admin is None:
                admin = User.objects.create_superuser(DEMO_ADMIN, admin_password)
            else:
                admin.set_password(admin_password)
                admin.save(update_fields=["password"])

        base = settings.PUBLIC_BASE_URL
        lines = [
            "",
            "Demo data ready.",
            f"  Partner API key ({partner.name}): {partner_key.plaintext}",
            f"  Admin API service key:          {service_key.plaintext}",
            f"  Django admin:                   {base}/admin/  {DEMO_ADMIN} / {admin_password}",
            f"  Demo account id:                {account.pk} (primary user {DEMO_CLIENT})",
            "",
            "Generate a login link:",
            f"  curl -s -X POST {base}/v1beta/accounts/{account.pk}/login-link \\",
            f'    -H "Authorization: Bearer {partner_key.plaintext}" \\',
            '    -H "Content-Type: application/json" \\',
            '    -d \'{"purpose": "initial_access", "send_notification": false}\'',
            "",
        ]
        self.stdout.write("\n".join(lines))
