"""
A recorded medical review keeps a fingerprint of the content it covered, and whether that content
changed since (articles/editing/review.py). Reviews recorded before have no fingerprint: they are
not marked out of date, as what they covered was not kept.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_imports_byline_pending_related_rda_place"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="review_out_of_date",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="What readers see changed after the medical review was recorded.",
                verbose_name="review out of date",
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="reviewed_content",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="content the review covered"
            ),
        ),
    ]
