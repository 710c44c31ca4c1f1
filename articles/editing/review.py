"""
A recorded medical review covers the content it saw.

When a review is recorded (`workflow.record_review`, or the reviewer's save in the admin), the
article keeps a fingerprint of what readers see (`content_fingerprint`): its title and
standfirst, its sections, studies, RDA tables and rows, the references it cites as readers see
them, its "You may also like" links and its disclaimers. A later change to any of it makes the
review out of date: the change page says so, `Article.objects.review_out_of_date()` lists such
articles (the admin filter, the exports' "Review out of date" column), and publishing is
refused until a medical reviewer renews the review.

`review_out_of_date` on the article is kept up to date by signals (articles/signals.py) for
lists; the decisions (publishing, the change page) compare fingerprints afresh.
"""

import hashlib
import json

from django.contrib import messages
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..models import Article, Citation, Disclaimer, RDARow, RDATable, RelatedArticle, Section, Study
from .shared_content import REFERENCE_FIELDS_READERS_SEE

SECTION_FIELDS = ["heading", "level", "number_subsections", "body"]
STUDY_FIELDS = [
    "display",
    "label",
    "journal",
    "authors",
    "year",
    "finding",
    "effect_figure",
    "study_type",
    "reference_id",
]
TABLE_FIELDS = ["nutrient", "unit", "source_note", "upper_limit", "upper_limit_applies_to"]
ROW_FIELDS = ["life_stage", "age_from", "age_to", "age_unit", "amount", "intake_type"]

REVIEW_OUT_OF_DATE_MESSAGE = _(
    "What readers see has changed since the medical review was recorded, so the review no "
    "longer covers it and the article cannot be published or scheduled. A medical reviewer must "
    "review the article as it is now and record the review again."
)


def content_fingerprint(article, *, disclaimers=None):
    """A SHA-256 of what readers of `article` see, in seven queries (six given `disclaimers`).

    The title and standfirst are read from `article` as it is in memory (so a form can ask
    before saving); its parts are read from the database, in reading order. `disclaimers`,
    when given, are the disclaimers it will show, instead of the stored ones.
    """
    sections = list(Section.objects.filter(article=article).values_list("pk", *SECTION_FIELDS))
    section_index = {row[0]: index for index, row in enumerate(sections)}
    studies = Study.objects.filter(section__article=article).order_by(
        "section__position", "section_id", "position", "pk"
    )
    tables = list(RDATable.objects.filter(article=article).values_list("pk", *TABLE_FIELDS))
    table_index = {row[0]: index for index, row in enumerate(tables)}
    rows = RDARow.objects.filter(table__article=article).order_by(
        "table__position", "table_id", "position", "pk"
    )
    citations = Citation.objects.filter(article=article).values_list(
        *(f"reference__{name}" for name in REFERENCE_FIELDS_READERS_SEE)
    )
    related = RelatedArticle.objects.filter(article=article).values_list("related_id", flat=True)
    if disclaimers is None:
        disclaimers = Disclaimer.objects.filter(articles=article)
    else:
        disclaimers = sorted(disclaimers, key=lambda item: (item.position, item.name))
    content = {
        "title": article.title,
        "standfirst": article.standfirst,
        "sections": [list(row[1:]) for row in sections],
        "studies": [
            [section_index.get(row[0]), *row[1:]]
            for row in studies.values_list("section_id", *STUDY_FIELDS)
        ],
        "tables": [list(row[1:]) for row in tables],
        "rows": [
            [table_index.get(row[0]), *row[1:]] for row in rows.values_list("table_id", *ROW_FIELDS)
        ],
        "citations": [list(row) for row in citations],
        "related": list(related),
        "disclaimers": [[item.title, item.body] for item in disclaimers],
    }
    text = json.dumps(content, default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def has_recorded_review(article):
    return bool(article.medical_reviewer_id and article.reviewed_on)


def review_is_out_of_date(article, *, fingerprint=None):
    """Whether the article's recorded review no longer covers what readers see. False without
    a review, and for a review recorded before reviews kept a fingerprint."""
    if not (has_recorded_review(article) and article.reviewed_content):
        return False
    return (fingerprint or content_fingerprint(article)) != article.reviewed_content


def record_coverage(article):
    """Keep, with the article's recorded review, the fingerprint of what readers see now; clear
    it when the article has no review. Call once the article and its parts are saved."""
    covered = content_fingerprint(article) if has_recorded_review(article) else ""
    article.reviewed_content, article.review_out_of_date = covered, False
    Article.objects.filter(pk=article.pk).update(reviewed_content=covered, review_out_of_date=False)


def refresh_review_flags(articles):
    """Recompute `review_out_of_date` for the articles of the queryset `articles` that have a
    review with a fingerprint (seven queries each); the others are not read."""
    reviewed = articles.exclude(reviewed_content="").filter(medical_reviewer__isnull=False)
    for article in reviewed.only(
        "pk",
        "title",
        "standfirst",
        "medical_reviewer",
        "reviewed_on",
        "reviewed_content",
        "review_out_of_date",
    ):
        out_of_date = review_is_out_of_date(article)
        if out_of_date != article.review_out_of_date:
            Article.objects.filter(pk=article.pk).update(review_out_of_date=out_of_date)


def warn_if_out_of_date(request, article):
    """On the article's change page: say when its review no longer covers what readers see."""
    if article is not None and review_is_out_of_date(article):
        messages.warning(
            request,
            _(
                "The medical review (%(reviewer)s, %(date)s) is out of date: what readers see "
                "has changed since it was recorded. A medical reviewer must record it again "
                "before the article can be published."
            )
            % {"reviewer": article.medical_reviewer, "date": date_format(article.reviewed_on)},
        )
