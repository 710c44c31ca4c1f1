"""Indexes for the orders and filters of the reader lists and the admin changelist, and for
case-insensitive title look-ups (imports): see Article.Meta.indexes."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_study_source_check"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["-publish_at", "-created_at"], name="article_publish_created"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["category", "status", "-publish_at"], name="article_category_publish"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("featured", True)),
                fields=["-publish_at"],
                name="article_featured_publish",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["title"], name="article_title"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                django.db.models.functions.text.Upper("title"), name="article_title_upper"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["reviewed_on"], name="article_reviewed_on"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["updated_at"], name="article_updated_at"),
        ),
    ]
