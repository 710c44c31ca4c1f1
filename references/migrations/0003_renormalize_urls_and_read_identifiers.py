"""
Bring existing references up to the new rules: recompute each normalised URL (tracking
parameters are now dropped and query parameters sorted) and read the identifiers each URL
states into the fields left empty.

Two references whose URLs differ only in what is now ignored would share a normalised URL,
which the unique constraint refuses. Neither is changed or deleted here: the oldest takes the
new value, the others keep the value they had (still unique, since it was before), and the
"Possible duplicates" page lists the group, because it compares addresses normalised afresh.
An editor then merges them, choosing which one to keep; deleting one here would pick for them.
"""

from django.db import migrations

from references.identifiers import identifiers_from_url
from references.normalize import normalize_url

IDENTIFIER_FIELDS = ["doi", "pmid", "pmcid", "bookshelf_id"]


def renormalize_and_read_identifiers(apps, schema_editor):
    Reference = apps.get_model("references", "Reference")
    references = list(Reference.objects.order_by("pk"))
    # A new value may be taken only if no reference holds it now (a reference whose value does
    # not change holds it too) and no older reference took it earlier in this pass.
    held = {reference.normalized_url for reference in references}
    taken = set()
    for reference in references:
        changed = []
        new_url = normalize_url(reference.url)
        if new_url not in held and new_url not in taken:
            reference.normalized_url = new_url
            taken.add(new_url)
            changed.append("normalized_url")
        for field, value in identifiers_from_url(reference.url).items():
            if not getattr(reference, field):
                setattr(reference, field, value)
                changed.append(field)
        if changed:
            reference.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [
        ("references", "0002_identifiers_and_link_health"),
    ]

    operations = [
        migrations.RunPython(renormalize_and_read_identifiers, migrations.RunPython.noop),
    ]
