"""Store a hash of each link's hashed_token, not the hashed_token itself (issue 11, item 6).

Before: `token_digest` = H = SHA-256(secret), exactly what `POST /auth/v1/verify {token_hash}`
accepts, so a read of the table could redeem every open link. After: `token_digest` =
SHA-256(H) (see magiclinks.tokens). The new value is computed from the old one, without any
secret, so the links open at deploy time keep working by their secret and their hashed_token.

One UPDATE over the whole table (every row, whatever its status, so that no row is left in the
old form). Reverse is a no-op: SHA-256 cannot be undone, so after a rollback the converted links
simply stop opening (they fail closed) and people ask for a new one.
"""

from django.db import migrations
from django.db.models.functions import SHA256


def hash_stored_digests(apps, schema_editor) -> None:
    LoginLink = apps.get_model("magiclinks", "LoginLink")
    if schema_editor.connection.vendor == "postgresql":
        # Django's SHA256() compiles to pgcrypto's digest() on PostgreSQL, an extension the
        # project does not require; the built-in sha256(bytea) (PostgreSQL 11+) is the same hash.
        table = schema_editor.quote_name(LoginLink._meta.db_table)
        schema_editor.execute(
            f"UPDATE {table} SET token_digest = "
            "encode(sha256(convert_to(token_digest, 'UTF8')), 'hex')"
        )
    else:
        # SQLite (and MySQL, Oracle): Django's SHA256() is the lower-case hex SHA-256 of the text.
        LoginLink.objects.update(token_digest=SHA256("token_digest"))


class Migration(migrations.Migration):
    dependencies = [
        ("magiclinks", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(hash_stored_digests, migrations.RunPython.noop, elidable=False),
    ]
