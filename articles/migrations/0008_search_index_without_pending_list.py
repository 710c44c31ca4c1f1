"""
The search index writes each change straight into the index (`fastupdate = off`).

With PostgreSQL's default, a GIN index gathers new entries in a pending list that only VACUUM
(autovacuum, sooner or later) merges in. After a bulk import or a busy day of edits the
planner prices the index above a scan of the whole table, so a search for a rare word reads
every article, and every indexed search reads the pending list too. Articles are written
rarely and searched often: paying at write time is the better bargain. PostgreSQL only, like
the index itself (0006).
"""

from django.db import migrations

SEARCH_INDEX = "article_search_vector_gin"


def write_through(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {SEARCH_INDEX} SET (fastupdate = off)")
        # Merge what the pending list holds already.
        schema_editor.execute(f"SELECT gin_clean_pending_list('{SEARCH_INDEX}'::regclass)")


def gather_in_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {SEARCH_INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_editorial_roles")]

    operations = [migrations.RunPython(write_through, gather_in_pending_list)]
