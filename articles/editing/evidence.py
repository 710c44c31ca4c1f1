"""
The evidence chain's writes and checks on the article side: figures tied to their sources, and
what publishing needs to know about them.

- `link_studies(article=…)`: every study (figure) of the article with no reference is linked to
  the one reference of the article's own list whose first author's surname and year are the
  study's. When several match, none is chosen: they are suggestions an editor sees
  (`suggestions`). Links made are recorded in the article's history with a comment.
- `references_changed(reference)`: run when a reference gains or changes details (the
  `references` app's `reference_details_changed` signal, see signals.py): the studies citing it
  are checked again and the articles citing it get their studies linked.
- `publishing_problems(article, …)`: what stops an article being published, for the workflow
  service and the admin form alike: unlinked figures when `settings.REQUIRE_SOURCED_FIGURES`,
  and retracted sources not acknowledged.
"""

from dataclasses import dataclass, field

import reversion
from django.conf import settings
from django.db import transaction
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from references.models import FLAGGED_NOTICES, NoticeStatus, Reference

from ..models import Article, Citation, SourceCheck, Study
from ..models.evidence import matches_study
from . import versioning  # noqa: F401  (registers the article's parts for history)


@dataclass
class LinkResult:
    #: Studies linked, each to its only matching reference.
    linked: list = field(default_factory=list)
    #: {study: [references]} for studies more than one reference matches.
    ambiguous: dict = field(default_factory=dict)

    def comment(self):
        links = [f"{study.citation_text} → {study.reference}" for study in self.linked]
        return ngettext(
            "Linked %(count)d study to its reference (same first author and year): %(list)s.",
            "Linked %(count)d studies to their references (same first author and year): %(list)s.",
            len(self.linked),
        ) % {
            "count": len(self.linked),
            "list": "; ".join(links),
        }


def _cited_references(article):
    return [
        citation.reference
        for citation in Citation.objects.filter(article=article).select_related("reference")
    ]


def _unlinked_studies(article):
    return Study.objects.filter(section__article=article, reference__isnull=True).order_by(
        "section__position", "section__pk", "position", "pk"
    )


def match_studies(article):
    """LinkResult of what `link_studies` would do, changing nothing: each unlinked study with
    exactly one matching reference in `linked` (its `reference` set, unsaved), the others with
    several in `ambiguous`."""
    references = _cited_references(article)
    result = LinkResult()
    for study in _unlinked_studies(article):
        matches = [reference for reference in references if matches_study(study, reference)]
        if len(matches) == 1:
            study.reference = matches[0]
            result.linked.append(study)
        elif matches:
            result.ambiguous[study] = matches
    return result


def suggestions(article):
    """{study: [references]}: the article's unlinked studies that more than one of its
    references could be the source of (same first author's surname and year)."""
    return match_studies(article).ambiguous


def link_unlinked_studies(article):
    """Link each unlinked study of `article` that exactly one of its references matches, and
    return the LinkResult. Saves the studies; the caller records the history."""
    result = match_studies(article)
    for study in result.linked:
        study.full_clean()
        study.save()
    return result


@transaction.atomic
def link_studies(*, article, user=None):
    """Link the article's unlinked studies to their only matching reference, recorded as a
    version of the article in its history (with `user`, if one did it). Returns the
    LinkResult; nothing is recorded when nothing was linked."""
    with reversion.create_revision():
        result = link_unlinked_studies(article)
        if result.linked:
            reversion.add_to_revision(article)
            if user is not None:
                reversion.set_user(user)
            reversion.set_comment(result.comment())
    return result


def recheck_studies(reference):
    """Compare the studies citing `reference` with its record again; save those whose check
    changed."""
    for study in Study.objects.filter(reference=reference):
        study.reference = reference
        if study.check_source():
            Study.objects.filter(pk=study.pk).update(
                source_check=study.source_check, source_check_note=study.source_check_note
            )


@transaction.atomic
def references_changed(reference):
    """`reference` gained or changed details: check its studies again, and link the studies of
    every article citing it."""
    recheck_studies(reference)
    for article in Article.objects.filter(citations__reference=reference).distinct():
        link_studies(article=article)


# Publishing ---------------------------------------------------------------------------------


def retracted_references(article):
    """The references the article cites that were retracted, in list order."""
    return list(
        Reference.objects.filter(
            citations__article=article, notice_status=NoticeStatus.RETRACTED
        ).order_by("citations__position", "citations__pk")
    )


def unlinked_figures(article):
    return list(_unlinked_studies(article))


def publishing_problems(article, *, acknowledge_retractions=False):
    """{"figures" / "retractions": message} for what stops `article` being published."""
    problems = {}
    if settings.REQUIRE_SOURCED_FIGURES:
        unlinked = unlinked_figures(article)
        if unlinked:
            problems["figures"] = ngettext(
                "Every figure must be tied to its source before publishing, and %(count)d is "
                "not: %(list)s. Link it to its reference (in its study, under its section).",
                "Every figure must be tied to its source before publishing, and %(count)d are "
                "not: %(list)s. Link each to its reference (in its study, under its section).",
                len(unlinked),
            ) % {
                "count": len(unlinked),
                "list": get_text_list([study.citation_text for study in unlinked], _("and")),
            }
    retracted = retracted_references(article)
    if retracted and not acknowledge_retractions:
        problems["retractions"] = ngettext(
            "This article cites a retracted paper: %(list)s. Check what it is cited for, then "
            "tick “I have checked the retracted sources” to publish.",
            "This article cites %(count)d retracted papers: %(list)s. Check what each is cited "
            "for, then tick “I have checked the retracted sources” to publish.",
            len(retracted),
        ) % {
            "count": len(retracted),
            "list": get_text_list([f"“{reference}”" for reference in retracted], _("and")),
        }
    return problems


def acknowledgement_comment(article):
    """The history's words for a publisher's acknowledgement of the retracted sources."""
    retracted = retracted_references(article)
    return _("Retracted sources checked and acknowledged by the publisher: %(list)s.") % {
        "list": get_text_list([f"“{reference}”" for reference in retracted], _("and"))
    }


# What editors see -----------------------------------------------------------------------------


@dataclass
class StudyEvidence:
    study: Study
    #: The study's reference's number in the article's list (None: not linked or not listed).
    number: int | None
    #: References that could be its source, when it is unlinked and more than one matches.
    suggested: list = field(default_factory=list)


@dataclass
class EvidenceReport:
    """An article's evidence, for its change page: every figure with how it stands against its
    source, and the cited references with a retraction, correction or expression of concern."""

    studies: list
    #: (number, reference) for each cited reference with a notice, in list order.
    flagged: list
    #: (number, reference) for each cited reference whose details were never fetched.
    not_fetched: list

    @property
    def figure_count(self):
        return len(self.studies)

    @property
    def linked_count(self):
        return sum(1 for item in self.studies if item.study.reference_id)

    @property
    def unlinked_count(self):
        return self.figure_count - self.linked_count

    @property
    def disagreement_count(self):
        return sum(1 for item in self.studies if item.study.source_check == SourceCheck.DISAGREES)

    @property
    def retracted_count(self):
        return sum(
            1 for _number, ref in self.flagged if ref.notice_status == NoticeStatus.RETRACTED
        )


def evidence_report(article):
    """The EvidenceReport of a saved article (a few queries, whatever its length)."""
    citations = list(
        Citation.objects.filter(article=article)
        .select_related("reference")
        .order_by("position", "pk")
    )
    numbers = {citation.reference_id: n for n, citation in enumerate(citations, start=1)}
    studies = Study.objects.filter(section__article=article).select_related("reference")
    studies = studies.order_by("section__position", "section__pk", "position", "pk")
    ambiguous = suggestions(article)
    by_pk = {study.pk: refs for study, refs in ambiguous.items()}
    return EvidenceReport(
        studies=[
            StudyEvidence(study, numbers.get(study.reference_id), by_pk.get(study.pk, []))
            for study in studies
        ],
        flagged=[
            (numbers[c.reference_id], c.reference)
            for c in citations
            if c.reference.notice_status in FLAGGED_NOTICES
        ],
        not_fetched=[
            (numbers[c.reference_id], c.reference)
            for c in citations
            if not c.reference.has_bibliographic_details()
        ],
    )
