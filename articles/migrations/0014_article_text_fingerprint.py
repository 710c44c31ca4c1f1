"""The fingerprint of each article's text, which an import looks up to find the same article
already on the site; filled in for the articles that exist."""

from django.db import migrations, models

from articles.models.article import text_fingerprint


def fill_fingerprints(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Section = apps.get_model("articles", "Section")
    for article in Article.objects.only("pk", "standfirst").iterator():
        sections = Section.objects.filter(article=article).order_by("position", "pk")
        fingerprint = text_fingerprint(article.standfirst, sections.values_list("heading", "body"))
        Article.objects.filter(pk=article.pk).update(text_fingerprint=fingerprint)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_contributor_pages_and_site_pages"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="text_fingerprint",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="A hash of the article's words, to find the same text imported again.",
                max_length=64,
                verbose_name="text fingerprint",
            ),
        ),
        migrations.RunPython(fill_fingerprints, migrations.RunPython.noop),
    ]
