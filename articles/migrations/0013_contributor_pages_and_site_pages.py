"""
Contributors get a page (and an optional photo); site pages arrive, with the editorial policy
every article links to. Editors can rewrite the policy in the admin; this is its first text,
which states only what the site itself does (named studies, a named and dated medical review,
an "Updated" date, reviews falling due).
"""

from django.db import migrations, models

import articles.validators

EDITORIAL_POLICY = {
    "slug": "editorial-policy",
    "title": "Editorial policy",
    "body": (
        "<p>This page explains how our articles are written, checked, corrected and kept up to "
        "date, so you can judge how far to trust them.</p>"
        "<p><strong>How articles are written.</strong> Every article names its author. Every "
        "figure we give, such as how much a symptom changed in a trial, names the study it comes "
        "from: its authors, journal and year, with a numbered link to the full reference at the "
        "end of the article. Where a source does not state something, we say so rather than "
        "guess.</p>"
        "<p><strong>How articles are reviewed.</strong> Before an article is published it goes "
        "through editorial review. Where an article has a medical review, the byline names the "
        "reviewer, their credentials and the date of the review. Each author and reviewer has a "
        "page listing their credentials and the articles they wrote or reviewed.</p>"
        "<p><strong>How articles are corrected.</strong> When an error is found, the article is "
        "corrected and its “Updated” date changes. A corrected figure still names the study it "
        "comes from.</p>"
        "<p><strong>How articles are kept up to date.</strong> Each article shows when it was "
        "published and when it was last updated. A medical review falls due again after a set "
        "period, after which the article is reviewed again.</p>"
        "<p><strong>What our articles are not.</strong> They are general information, not "
        "medical advice. Ask a healthcare professional before you change your diet or take a "
        "supplement.</p>"
    ),
}


def create_editorial_policy(apps, schema_editor):
    SitePage = apps.get_model("articles", "SitePage")
    SitePage.objects.get_or_create(
        slug=EDITORIAL_POLICY["slug"],
        defaults={"title": EDITORIAL_POLICY["title"], "body": EDITORIAL_POLICY["body"]},
    )


def remove_editorial_policy(apps, schema_editor):
    apps.get_model("articles", "SitePage").objects.filter(slug=EDITORIAL_POLICY["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_review_covers_content"),
    ]

    operations = [
        migrations.CreateModel(
            name="SitePage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                (
                    "slug",
                    models.SlugField(
                        help_text=(
                            "Its address: /pages/<slug>/. The page “editorial-policy” is the one "
                            "every article links to, at /editorial-policy/."
                        ),
                        max_length=100,
                        unique=True,
                        verbose_name="slug",
                    ),
                ),
                ("body", models.TextField(verbose_name="text")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
            ],
            options={
                "verbose_name": "site page",
                "verbose_name_plural": "site pages",
                "ordering": ["title"],
            },
        ),
        migrations.AddField(
            model_name="contributor",
            name="photo",
            field=models.ImageField(
                blank=True,
                help_text="Optional. A portrait, shown on the contributor's page.",
                upload_to="contributors/",
                validators=[articles.validators.validate_hero_image],
                verbose_name="photo",
            ),
        ),
        migrations.RunPython(create_editorial_policy, remove_editorial_policy),
    ]
