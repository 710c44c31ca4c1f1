"""
Writes that span several rows of the library: merging duplicates, recording link checks.

A merge knows nothing of the apps that point at references: it repoints every relation Django
knows of (`Reference._meta.get_fields()`), so an app that starts citing references needs no change
here. Where a relation allows one row per reference (a unique constraint that includes the foreign
key, such as "an article cites a reference once"), the first row in the model's own order is
kept and the later ones are dropped.
"""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IDENTIFIER_FIELDS, MetadataSource, Reference, record_url, referring_relations
from .signals import reference_details_changed, references_merged

#: The fields a link check writes.
LINK_FIELDS = ["link_status", "status_code", "final_url", "checked_at"]
#: The fields the reference kept by a merge takes from the others when it has none.
MERGE_FILLS = [*IDENTIFIER_FIELDS, "retrieved_on"]


@dataclass(frozen=True)
class MergeResult:
    kept: Reference
    merged: int
    #: Rows now pointing at the kept reference, counted by model.
    moved: Counter
    #: Rows deleted because the same owner already pointed at the kept reference, by model.
    dropped: Counter
    filled: list


@transaction.atomic
def merge_references(*, keep, others, user=None):
    """Merge the references `others` into `keep`, then delete them. All or nothing.

    Every row of another model that points at one of `others` points at `keep` (see the module
    docstring for rows that may exist once per reference). What `keep` lacks (identifiers, the
    date it was read) is taken from the others, in the order given. `user` (who merges) is
    passed on to the receivers of `signals.references_merged`.
    """
    other_pks = list(dict.fromkeys(other.pk for other in others if other.pk != keep.pk))
    if not other_pks:
        raise ValidationError(_("Choose at least one other reference to merge into the one kept."))
    # Lock the rows, so no one cites a reference while it is being merged away.
    locked = Reference.objects.select_for_update().in_bulk([keep.pk, *other_pks])
    if len(locked) != len(other_pks) + 1:
        raise ValidationError(_("One of these references was deleted meanwhile. Try again."))
    keep = locked[keep.pk]
    others = [locked[pk] for pk in other_pks]

    moved, dropped, rows = Counter(), Counter(), {}
    for relation in referring_relations():
        model, field = relation.related_model, relation.field
        pointing = model._default_manager.filter(**{f"{field.name}__in": other_pks})
        rows.setdefault(model, []).extend(pointing)
        relation_moved, relation_dropped = _repoint(relation, keep=keep, other_pks=other_pks)
        moved[model] += relation_moved
        dropped[model] += relation_dropped
    filled = _fill_gaps(keep=keep, others=others)
    Reference.objects.filter(pk__in=other_pks).delete()
    keep.full_clean()
    keep.save()
    references_merged.send(
        sender=Reference,
        keep=keep,
        merged=others,
        rows={model: found for model, found in rows.items() if found},
        filled=filled,
        user=user,
    )
    return MergeResult(kept=keep, merged=len(others), moved=+moved, dropped=+dropped, filled=filled)


def _once_per_reference_fields(model, field_name):
    """For each unique constraint of `model` that includes `field_name`, the other fields in it:
    the rows that may point at one reference only once per value of those fields."""
    groups = [
        constraint.fields
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.condition is None
        and constraint.fields
    ]
    groups += [tuple(fields) for fields in model._meta.unique_together]
    return [
        [name for name in fields if name != field_name] for fields in groups if field_name in fields
    ]


def _repoint(relation, *, keep, other_pks):
    """Point the rows of one relation at `keep`; drop the later of two rows that would then
    break a unique constraint. Returns (moved, dropped)."""
    model, field = relation.related_model, relation.field
    column = field.attname
    rows = model._default_manager.filter(**{f"{field.name}__in": [keep.pk, *other_pks]})
    unique_sets = _once_per_reference_fields(model, field.name)
    if not unique_sets:
        moved = rows.filter(**{f"{field.name}__in": other_pks}).update(**{field.name: keep})
        return moved, 0
    ordering = [*(model._meta.ordering or []), "pk"]
    seen, later, to_move = set(), [], []
    for row in rows.order_by(*ordering):
        keys = {
            (index, tuple(getattr(row, model._meta.get_field(name).attname) for name in names))
            for index, names in enumerate(unique_sets)
        }
        if keys & seen:
            later.append(row.pk)
            continue
        seen |= keys
        if getattr(row, column) != keep.pk:
            to_move.append(row.pk)
    # Delete first: an owner may point at `keep` later than at another of the group.
    model._default_manager.filter(pk__in=later).delete()
    moved = model._default_manager.filter(pk__in=to_move).update(**{field.name: keep})
    return moved, len(later)


def _fill_gaps(*, keep, others):
    filled = []
    for field in MERGE_FILLS:
        if getattr(keep, field):
            continue
        value = next((getattr(other, field) for other in others if getattr(other, field)), None)
        if value:
            setattr(keep, field, value)
            filled.append(field)
    return filled


@transaction.atomic
def record_link_check(*, reference, result):
    """Store what a link check found (see `linkcheck.CheckResult`) on `reference`.

    Only the link fields are written, so an editor's change made meanwhile is kept. A final
    address the field cannot hold (too long, not a web address) is left out, never the result.
    """
    reference.link_status = result.link_status
    reference.status_code = result.status_code
    reference.final_url = result.final_url
    reference.checked_at = result.checked_at
    others = [f.name for f in Reference._meta.fields if f.name not in LINK_FIELDS]
    try:
        reference.clean_fields(exclude=others)
    except ValidationError as error:
        if set(error.message_dict) != {"final_url"}:
            raise
        reference.final_url = ""
    reference.save(update_fields=LINK_FIELDS)
    return reference


@transaction.atomic
def apply_lookup(*, reference, outcome, overwrite=False):
    """Store what a lookup found (see `metadata.Outcome`) on `reference`: the record's details
    into the fields that are empty (every field it states, with `overwrite`), where they came
    from and when, and the notice status. Validated, then saved; returns the fields filled."""
    now = timezone.now()
    changed = []
    if outcome.record:
        changed = reference.apply_csl(outcome.record.csl, only_empty=not overwrite)
        reference.metadata_source = outcome.record.source
        reference.metadata_fetched_at = now
    if outcome.notice:
        reference.notice_status = outcome.notice.status
        reference.notice_doi = outcome.notice.doi
        reference.notice_url = outcome.notice.url
        reference.notice_checked_at = now
    reference.full_clean()
    reference.save()
    reference_details_changed.send(sender=Reference, reference=reference)
    return changed


@transaction.atomic
def import_references(*, items):
    """Add the references CSL-JSON `items` describe (read from RIS, BibTeX or CSL-JSON) to the
    library. All or nothing: an item that is not a valid reference stops the import with a
    message naming it. An item already in the library (same address or identifier) is not
    added again. Returns (added, already in the library)."""
    added, existing = [], []
    for number, item in enumerate(items, start=1):
        reference = Reference.from_csl(item, source=MetadataSource.FILE)
        if not reference.url:
            reference.url = record_url(reference)
        duplicate = reference.possible_duplicates().first() if reference.url else None
        if duplicate:
            existing.append(duplicate)
            continue
        try:
            reference.full_clean()
        except ValidationError as error:
            label = reference.title or _("untitled")
            details = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise ValidationError(
                _("Reference %(number)d (“%(title)s”) was not imported, nor any other: %(details)s")
                % {"number": number, "title": label, "details": details}
            ) from None
        reference.save()
        added.append(reference)
    return added, existing
