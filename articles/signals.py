"""
Side effects of saving content, run after the transaction commits.

- The stored word count and search vector follow the article's text: saving or deleting the
  article, a section or a study marks the article (`models/derived.py`), and its derived text
  is refreshed once when the transaction commits, however many parts changed.
- A change to what a public page shows forgets the anonymous readers' page cache
  (`site/page_cache.py`) once the transaction commits, whether it is saved through the admin,
  an import or a command; a rolled-back transaction (an import preview, a save that failed)
  forgets nothing. A link check writes only a reference's link health (`LINK_FIELDS`), which
  no public page shows (readers see the reference's citation, templates/jinja2/
  includes/reference_item.html), so it keeps the cache.
  `QuerySet.update()` and `bulk_create()` send no signals: code that changes public content
  that way calls `forget_cached_pages()` itself.
- A merge of references (`references.signals.references_merged`) is written into the history
  of each published article it changes (`editing/shared_content.py`).
- Whether a recorded medical review still covers what readers see (`editing/review.py`)
  follows every change to it; only articles whose review kept a fingerprint are read.
- A reference gaining or changing details (the library's `reference_details_changed`) checks
  the studies citing it again and links the unlinked studies of the articles citing it
  (`editing/evidence.py`); any save of a reference checks its studies again.
"""

import threading

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from references.models import Reference
from references.services import LINK_FIELDS
from references.signals import reference_details_changed, references_merged

from .editing import evidence, review, shared_content
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
    SitePage,
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
    SitePage,
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


@receiver(reference_details_changed, dispatch_uid="reference_details_link_studies")
def reference_details_changed_link_studies(sender, reference, **kwargs):
    evidence.references_changed(reference)


@receiver(post_save, sender=Reference, dispatch_uid="reference_saved_recheck_studies")
def reference_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        evidence.recheck_studies(instance)


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


@receiver(references_merged, dispatch_uid="merge_in_article_history")
def merge_in_article_history(sender, keep, merged, rows, filled, user=None, **kwargs):
    """A merge changes what published articles cite: it goes into their histories."""
    shared_content.references_merged(keep=keep, merged=merged, rows=rows, filled=filled, user=user)


# Whether a recorded review still covers what readers see (editing/review.py), for lists.


def _review_follows(articles):
    review.refresh_review_flags(articles)


@receiver(post_save, sender=Article, dispatch_uid="review_follows_article")
def review_follows_article(sender, instance, raw=False, **kwargs):
    if not raw:
        _review_follows(Article.objects.filter(pk=instance.pk))


@receiver(post_save, sender=Section, dispatch_uid="review_follows_section_saved")
@receiver(post_delete, sender=Section, dispatch_uid="review_follows_section_deleted")
@receiver(post_save, sender=RDATable, dispatch_uid="review_follows_table_saved")
@receiver(post_delete, sender=RDATable, dispatch_uid="review_follows_table_deleted")
@receiver(post_save, sender=Citation, dispatch_uid="review_follows_citation_saved")
@receiver(post_delete, sender=Citation, dispatch_uid="review_follows_citation_deleted")
@receiver(post_save, sender=RelatedArticle, dispatch_uid="review_follows_related_saved")
@receiver(post_delete, sender=RelatedArticle, dispatch_uid="review_follows_related_deleted")
def review_follows_part(sender, instance, raw=False, **kwargs):
    if not raw:
        _review_follows(Article.objects.filter(pk=instance.article_id))


@receiver(post_save, sender=Study, dispatch_uid="review_follows_study_saved")
@receiver(post_delete, sender=Study, dispatch_uid="review_follows_study_deleted")
def review_follows_study(sender, instance, raw=False, **kwargs):
    if not raw:
        _review_follows(Article.objects.filter(sections__pk=instance.section_id))


@receiver(post_save, sender=RDARow, dispatch_uid="review_follows_row_saved")
@receiver(post_delete, sender=RDARow, dispatch_uid="review_follows_row_deleted")
def review_follows_row(sender, instance, raw=False, **kwargs):
    if not raw:
        _review_follows(Article.objects.filter(rda_tables__pk=instance.table_id))


@receiver(post_save, sender=Reference, dispatch_uid="review_follows_reference")
def review_follows_reference(sender, instance, raw=False, update_fields=None, **kwargs):
    """A link check writes only the link fields, which readers do not see: nothing to do."""
    seen = set(shared_content.REFERENCE_FIELDS_READERS_SEE)
    if not raw and (update_fields is None or seen & set(update_fields)):
        _review_follows(Article.objects.filter(citations__reference=instance).distinct())


@receiver(post_save, sender=Disclaimer, dispatch_uid="review_follows_disclaimer")
def review_follows_disclaimer(sender, instance, raw=False, **kwargs):
    if not raw:
        _review_follows(Article.objects.filter(disclaimers=instance))


@receiver(
    m2m_changed, sender=Article.disclaimers.through, dispatch_uid="review_follows_disclaimers"
)
def review_follows_disclaimers(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:
        _review_follows(Article.objects.filter(pk__in=pk_set or []))
    else:
        _review_follows(Article.objects.filter(pk=instance.pk))


@receiver(references_merged, dispatch_uid="review_follows_merge")
def review_follows_merge(sender, keep, **kwargs):
    """A merge moves citations and studies with `update()`, which sends no signal of its own."""
    citing = Q(citations__reference=keep) | Q(sections__studies__reference=keep)
    _review_follows(Article.objects.filter(citing).distinct())
