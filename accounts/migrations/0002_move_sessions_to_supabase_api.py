"""AuthSession and RefreshToken now belong to supabase_api (issue 12): state only.

supabase_api.0001 has added them to its state with the same tables (`Meta.db_table`), so they
are only forgotten here: no table is dropped, no row moves.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("supabase_api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RefreshToken"),
                migrations.DeleteModel(name="AuthSession"),
            ],
            database_operations=[],
        ),
    ]
