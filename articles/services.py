"""
Writes that span several parts of one article (keyword-only, atomic).

The editorial workflow's writes are in `editing/workflow.py`; saving an imported text is in
`textformat/services.py`.
"""

from django.db import transaction
from django.db.models import Max

from references.models import Reference

from .models import Citation


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
