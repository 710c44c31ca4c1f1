"""Indexes that keep two public pages flat as articles grow (issue 17): see Article.Meta.indexes.

A contributor's published articles are found through (author, status, publish time) and
(medical reviewer, status, publish time), which also serve every look-up by author or reviewer,
so the single-column indexes of those two foreign keys are dropped once these exist. A tag's
count of articles checks each one's status in the index on (id, status, publish time).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0017_renditions_and_editors_change_site_pages"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["author", "status", "-publish_at"], name="article_author_publish"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["medical_reviewer", "status", "-publish_at"],
                name="article_reviewer_publish",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["id", "status", "publish_at"], name="article_id_published"),
        ),
        migrations.AlterField(
            model_name="article",
            name="author",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text=(
                    "The person who wrote it. Leave empty when no one is named: the article is "
                    "then signed by the publisher (an organisation), never by someone who did "
                    "not write it."
                ),
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="articles_written",
                to="articles.contributor",
                verbose_name="author",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="medical_reviewer",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="articles_reviewed",
                to="articles.contributor",
                verbose_name="medical reviewer",
            ),
        ),
    ]
