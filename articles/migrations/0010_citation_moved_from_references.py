"""
`Citation` moves here from the references app, keeping every row.

The model is first recorded as it stands, on the references app's table, then the table is
renamed to this app's name. The content type is renamed too, so the permissions the groups hold,
the admin log and every article's history (django-reversion versions) keep pointing at it.
"""

import django.db.models.deletion
from django.db import migrations, models


def rename_content_type(apps, schema_editor, *, old_app, new_app):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new_app, model="citation").exists():
        ContentType.objects.using(db).filter(app_label=old_app, model="citation").update(
            app_label=new_app
        )


def content_type_to_articles(apps, schema_editor):
    rename_content_type(apps, schema_editor, old_app="references", new_app="articles")


def content_type_to_references(apps, schema_editor):
    rename_content_type(apps, schema_editor, old_app="articles", new_app="references")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_article_word_count"),
        ("references", "0004_citation_moved_to_articles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Citation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "position",
                            models.PositiveIntegerField(default=0, verbose_name="position"),
                        ),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="citations",
                                to="articles.article",
                                verbose_name="article",
                            ),
                        ),
                        (
                            "reference",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="citations",
                                to="references.reference",
                                verbose_name="reference",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "citation",
                        "verbose_name_plural": "citations",
                        "ordering": ["position", "pk"],
                        "db_table": "references_citation",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("article", "reference"),
                                name="citation_once_per_article",
                                violation_error_message="This article already cites that reference.",
                            )
                        ],
                    },
                )
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="citation", table=None),
        migrations.RunPython(content_type_to_articles, content_type_to_references),
    ]
