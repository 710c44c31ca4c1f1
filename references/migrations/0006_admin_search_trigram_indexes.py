"""
Trigram indexes for the admin's reference search (`ReferenceAdmin.search_fields`), PostgreSQL
only: `icontains` is `UPPER(column) LIKE '%WORDS%'`, which no B-tree index serves, so each
search read the whole library. A GIN index of each column's trigrams on the same expression
answers from the index (see articles 0019 for the same on articles).
"""

from django.db import migrations

SEARCHED_COLUMNS = ("title", "url", "doi", "pmid", "pmcid", "bookshelf_id", "container_title")


def index_name(column):
    return f"reference_{column}_trigram_gin"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(column)} ON references_reference "
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    dependencies = [("references", "0005_bibliographic_record")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
