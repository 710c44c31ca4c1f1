"""
Writes that span several models or rows (see STYLE.md: keyword-only, atomic, validated).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Study

from .models import IDENTIFIER_FIELDS, Citation, MetadataSource, Reference, record_url

#: The fields a link check writes.
LINK_FIELDS = ["link_status", "status_code", "final_url", "checked_at"]
#: The fields the reference kept by a merge takes from the others when it has none.
MERGE_FILLS = [*IDENTIFIER_FIELDS, "retrieved_on"]


@dataclass(frozen=True)
class MergeResult:
    kept: Reference
    merged: int
    citations_moved: int
    citations_dropped: int
    studies_moved: int
    filled: list


@transaction.atomic
def merge_references(*, keep, others):
    """Merge the references `others` into `keep`, then delete them. All or nothing.

    Every citation moves to `keep` at its own position. An article that cited more than one of
    them keeps the earliest citation (the lowest position) and drops the later ones. Studies
    that named one of `others` name `keep`. What `keep` lacks (identifiers, the date it was
    read) is taken from the others, in the order given.
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

    moved, dropped = _move_citations(keep=keep, other_pks=other_pks)
    studies_moved = _repoint_studies(keep=keep, other_pks=other_pks)
    filled = _fill_gaps(keep=keep, others=others)
    Reference.objects.filter(pk__in=other_pks).delete()
    keep.full_clean()
    keep.save()
    return MergeResult(
        kept=keep,
        merged=len(others),
        citations_moved=moved,
        citations_dropped=dropped,
        studies_moved=studies_moved,
        filled=filled,
    )


def _move_citations(*, keep, other_pks):
    """Point each article's earliest citation of the group at `keep`; delete the later ones."""
    earliest, later = {}, []
    citations = Citation.objects.filter(reference__in=[keep.pk, *other_pks]).order_by(
        "article_id", "position", "pk"
    )
    for citation in citations:
        if citation.article_id in earliest:
            later.append(citation.pk)
        else:
            earliest[citation.article_id] = citation
    # Delete first: an article may cite `keep` later than another of the group.
    Citation.objects.filter(pk__in=later).delete()
    to_move = [c.pk for c in earliest.values() if c.reference_id != keep.pk]
    moved = Citation.objects.filter(pk__in=to_move).update(reference=keep)
    return moved, len(later)


def _repoint_studies(*, keep, other_pks):
    return Study.objects.filter(reference__in=other_pks).update(reference=keep)


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
