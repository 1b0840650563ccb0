"""AuthSession and RefreshToken move here from accounts (issue 12): state only.

The tables were created by accounts.0001 and keep their names (`Meta.db_table`), so nothing is
created here; accounts.0002 removes the models from accounts' state after this one has added
them here. Existing content types (and so any permission granted on them) are relabelled
rather than left stale.
"""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models

MODELS = ("authsession", "refreshtoken")


def relabel_content_types(apps, schema_editor, old="accounts", new="supabase_api"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        # Where the new label already has its row (post_migrate made one), both are left alone.
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)


def unlabel_content_types(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="supabase_api", new="accounts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuthSession",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("method", models.CharField(max_length=32)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("refreshed_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=512)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="auth_sessions", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "accounts_authsession",
                        "indexes": [models.Index(fields=["user", "-created_at"], name="authsession_user_recent")],
                    },
                ),
                migrations.CreateModel(
                    name="RefreshToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("token_digest", models.CharField(editable=False, max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                        ("parent", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to="supabase_api.refreshtoken")),
                        ("session", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tokens", to="supabase_api.authsession")),
                    ],
                    options={"db_table": "accounts_refreshtoken"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, unlabel_content_types, elidable=False),
    ]
