"""
The content model of an evidence-first health article.

- `article.py`: the `Article`, its workflow status, people and dates, and the queries lists,
  pages and exports run (`Article.objects.published()` …); old addresses (`ArticleRedirect`).
- `parts.py`: what an article is made of, in reading order: sections and sub-sections, the
  studies behind its figures, RDA tables, "You may also like" links and its citations of the
  reference library (the `references` app, which knows nothing of articles).
- `shared.py`: what articles share: categories, tags, contributors and disclaimers.
"""

from .article import (
    WORDS_PER_MINUTE,
    Article,
    ArticleQuerySet,
    ArticleRedirect,
    count_words,
    review_due_before,
    text_fingerprint,
)
from .evidence import SourceCheck
from .parts import (
    Citation,
    PendingRelatedTitle,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    find_overlapping_rows,
    overlap_message,
)
from .shared import Category, Contributor, Disclaimer, SitePage, Tag

__all__ = [
    "WORDS_PER_MINUTE",
    "Article",
    "ArticleQuerySet",
    "ArticleRedirect",
    "Category",
    "Citation",
    "Contributor",
    "Disclaimer",
    "PendingRelatedTitle",
    "RDARow",
    "RDATable",
    "RelatedArticle",
    "Section",
    "SitePage",
    "SourceCheck",
    "Study",
    "Tag",
    "count_words",
    "find_overlapping_rows",
    "overlap_message",
    "review_due_before",
    "text_fingerprint",
]
