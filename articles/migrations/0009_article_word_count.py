"""
Each article stores its word count, kept up to date by signals (articles/signals.py), so that
staff exports read one column instead of every section's text (benchmarks/export.py).

The counts of existing articles are filled in here, counted as `articles.models.count_words`
counts: words of the standfirst, of each section's heading and text (tags count as spaces)
and of each study's finding.
"""

import re

from django.db import migrations, models

TAG = re.compile(r"<[^>]*>")


def words(text):
    return len(TAG.sub(" ", text or "").split())


def count_existing(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Section = apps.get_model("articles", "Section")
    Study = apps.get_model("articles", "Study")
    counts = dict(Article.objects.values_list("pk", "standfirst"))
    counts = {pk: words(standfirst) for pk, standfirst in counts.items()}
    for article_id, heading, body in Section.objects.values_list("article_id", "heading", "body"):
        counts[article_id] += words(heading) + words(body)
    for article_id, finding in Study.objects.values_list("section__article_id", "finding"):
        counts[article_id] += words(finding)
    for pk, count in counts.items():
        Article.objects.filter(pk=pk).update(word_count=count)


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_search_index_without_pending_list")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="word_count",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Words in the standfirst, sections and study findings, kept up to date.",
                verbose_name="word count",
            ),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
