"""`manage.py create_service_key NAME`: an Admin API key, printed alone on the last line."""

from django.core.management.base import BaseCommand, CommandError

from accounts.key_services import create_service_key
from accounts.models import ServiceKey
from audit.actors import Actor


class Command(BaseCommand):
    help = "Create an Admin API (/auth/v1) service key and print it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")

    def handle(self, *args, name: str, **options) -> None:
        if ServiceKey.objects.filter(name=name).exists():
            raise CommandError(f"A service key named {name!r} already exists.")
        created = create_service_key(name, actor=Actor.system("manage.py create_service_key"))
        self.stdout.write(f"Created service key {name!r} (shown once, stored only as a hash):")
        self.stdout.write(created.plaintext)
