"""Migrations that move data keep every row: the citations that moved from the references app to
the articles app (articles 0010, references 0004) are the same, in the same order."""

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.demo import load_demo
from articles.models import Citation
from tests.data_migrations import make_data_migration_rows

BEFORE_THE_MOVE = [
    ("articles", "0009_article_word_count"),
    ("references", "0003_renormalize_urls_and_read_identifiers"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def citations_of(apps, app_label):
    model = apps.get_model(app_label, "Citation")
    return list(
        model.objects.order_by("article__slug", "position", "pk").values_list(
            "article__slug", "reference__url", "position"
        )
    )


@pytest.fixture
def restore_data_migration_rows():
    yield
    apps = MigrationExecutor(connection).loader.project_state().apps
    make_data_migration_rows(apps)


@pytest.mark.django_db(transaction=True)
def test_moving_citations_to_articles_keeps_every_row_in_order(restore_data_migration_rows):
    load_demo()
    loaded = citations_of(django_apps, "articles")
    assert len(loaded) == Citation.objects.count() > 5

    old_apps = migrate(BEFORE_THE_MOVE)
    assert citations_of(old_apps, "references") == loaded, "moved back, on the old table"

    new_apps = migrate(latest())
    assert citations_of(new_apps, "articles") == loaded
    assert "articles_citation" in connection.introspection.table_names()
    assert "references_citation" not in connection.introspection.table_names()
