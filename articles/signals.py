"""
Side effects of saving content, run after the transaction commits.

- The stored word count and search vector follow the article's text: saving or deleting the
  article, a section or a study marks the article (`models/derived.py`), and its derived text
  is refreshed once when the transaction commits, however many parts changed.
- A change to what a public page shows forgets the anonymous readers' page cache
  (`site/page_cache.py`) once the transaction commits, whether it is saved through the admin,
  an import or a command; a rolled-back transaction (an import preview, a save that failed)
  forgets nothing. A link check writes only a reference's link health (`LINK_FIELDS`), which
  no public page shows (readers see the reference's citation, templates/includes/
  reference_item.html), so it keeps the cache.
  `QuerySet.update()` and `bulk_create()` send no signals: code that changes public content
  that way calls `forget_cached_pages()` itself.
"""

import threading

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from references.models import Reference
from references.services import LINK_FIELDS

from .models import (
    Article,
    ArticleRedirect,
    Category,
    Citation,
    Contributor,
    Disclaimer,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    Tag,
)
from .models.derived import text_changed
from .site.page_cache import forget_cached_pages

#: Everything a public page shows: the article, its parts, what it is filed under and cites.
PUBLIC_CONTENT = [
    Article,
    Section,
    Study,
    RDATable,
    RDARow,
    RelatedArticle,
    ArticleRedirect,
    Category,
    Tag,
    Contributor,
    Disclaimer,
    Reference,
    Citation,
]


@receiver(post_save, sender=Article, dispatch_uid="article_text")
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        text_changed(instance.pk)


@receiver(post_save, sender=Section, dispatch_uid="section_saved_text")
@receiver(post_delete, sender=Section, dispatch_uid="section_deleted_text")
def section_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        text_changed(instance.article_id)


@receiver(post_save, sender=Study, dispatch_uid="study_saved_text")
@receiver(post_delete, sender=Study, dispatch_uid="study_deleted_text")
def study_changed(sender, instance, raw=False, **kwargs):
    """Study findings count as words (the search vector does not index them)."""
    if not raw:
        text_changed(instance.section.article_id)


_pages = threading.local()


def forget_pages_once():
    """Forget the page cache once for all the changes of a committed transaction."""
    if getattr(_pages, "changed", False):
        _pages.changed = False
        forget_cached_pages()


def public_content_changed(sender, update_fields=None, action="post_", **kwargs):
    """Something a public page shows changed: forget the page cache after the commit (at once
    outside a transaction). A link check, which writes only link health, does not count, nor
    does the announcement of a many-to-many change before it is made (`pre_add` …)."""
    if not action.startswith("post_"):
        return
    if sender is Reference and update_fields and set(update_fields) <= set(LINK_FIELDS):
        return
    _pages.changed = True
    # One callback per change (see models/derived.py for why); the first one forgets.
    transaction.on_commit(forget_pages_once)


for model in PUBLIC_CONTENT:
    post_save.connect(public_content_changed, sender=model, dispatch_uid=f"page_cache_{model}")
    post_delete.connect(public_content_changed, sender=model, dispatch_uid=f"page_cache_{model}")
for through in [Article.tags.through, Article.disclaimers.through]:
    m2m_changed.connect(
        public_content_changed, sender=through, dispatch_uid=f"page_cache_{through}"
    )
