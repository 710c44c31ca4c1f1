"""Each study records how it stands against its reference's record (journal, first author,
year); studies already linked are checked now."""

from django.db import migrations, models

from articles.models.evidence import check_study


def check_linked_studies(apps, schema_editor):
    Study = apps.get_model("articles", "Study")
    for study in Study.objects.filter(reference__isnull=False).select_related("reference"):
        study.source_check, study.source_check_note = check_study(study, study.reference)
        study.save(update_fields=["source_check", "source_check_note"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_article_text_fingerprint"),
        ("references", "0005_bibliographic_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="study",
            name="source_check",
            field=models.CharField(
                choices=[
                    ("unlinked", "No reference linked"),
                    ("not_fetched", "Reference details not fetched"),
                    ("agrees", "Agrees with its reference"),
                    ("disagrees", "Disagrees with its reference"),
                ],
                default="unlinked",
                editable=False,
                max_length=12,
                verbose_name="checked against its reference",
            ),
        ),
        migrations.AddField(
            model_name="study",
            name="source_check_note",
            field=models.TextField(blank=True, editable=False, verbose_name="what differs"),
        ),
        migrations.RunPython(check_linked_studies, migrations.RunPython.noop),
    ]
