"""`manage.py write_limits_doc`: rewrite the table of limits in docs/configuration.md from
ratelimits.table (`--check` exits 1 instead when the page is out of date)."""

from django.core.management.base import BaseCommand, CommandError

from ratelimits.docs import DOC, with_table


class Command(BaseCommand):
    help = "Write the table of rate limits into docs/configuration.md (between its markers)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Only check; exit 1 if stale.")

    def handle(self, *args, check: bool = False, **options) -> None:
        current = DOC.read_text()
        wanted = with_table(current)
        if wanted == current:
            self.stdout.write("docs/configuration.md: the table of limits is up to date")
            return
        if check:
            raise CommandError("docs/configuration.md: the table of limits is out of date")
        DOC.write_text(wanted)
        self.stdout.write("docs/configuration.md: table of limits written")
