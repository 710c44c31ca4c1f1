"""
Writes that span several parts of one article (keyword-only, atomic).

The editorial workflow's writes are in `editing/workflow.py`; saving an imported text is in
`editing/imports.py`.
"""

from django.db import transaction
from django.db.models import Max

from references.models import Reference

from .models import Citation, PendingRelatedTitle, RelatedArticle


@transaction.atomic
def cite_study_references(*, article):
    """Add to the article's reference list any reference a study links to but the list lacks,
    after the existing citations, so every study's source has a number readers can follow."""
    cited = set(article.citations.values_list("reference_id", flat=True))
    missing = (
        Reference.objects.filter(studies__section__article=article)
        .exclude(pk__in=cited)
        .distinct()
        .order_by("pk")
    )
    position = (article.citations.aggregate(last=Max("position"))["last"] or 0) + 1
    for offset, reference in enumerate(missing):
        Citation.objects.create(article=article, reference=reference, position=position + offset)


@transaction.atomic
def link_pending(article):
    """Turn every pending "You may also like" title equal to `article`'s title (ignoring case)
    into a link to `article`, in the pending title's place. Called when an article is published
    (by an import, the workflow or the admin). Returns the number of links made."""
    made = 0
    waiting = PendingRelatedTitle.objects.filter(title__iexact=article.title).exclude(
        article=article
    )
    for pending in waiting.select_related("article"):
        if not RelatedArticle.objects.filter(article=pending.article, related=article).exists():
            link = RelatedArticle(
                article=pending.article, related=article, position=pending.position
            )
            link.full_clean()
            link.save()
            made += 1
        pending.delete()
    return made
