"""A console email backend for development (`make run`) that prints emails readably.

Django's console backend prints the raw MIME message, in which a long link is quoted-printable
encoded and broken across lines (`=` soft breaks), so it cannot be clicked or copied. This one
prints the headers and the decoded plain-text part, and only names the HTML alternative (open
it by sending to a file backend or a real inbox). Development only: it sends nothing.
"""

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

HEADERS = ("From", "To", "Reply-To", "Subject", "Date")


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message) -> None:
        mime = message.message()
        lines = [f"{name}: {mime[name]}" for name in HEADERS if mime[name]]
        lines.append("")
        lines.append(message.body.rstrip("\n"))
        for content, mimetype in getattr(message, "alternatives", []):
            lines.append(f"\n[{mimetype} alternative, {len(content)} characters, not shown]")
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
