"""
Side effects of saving content.

- The stored search vector and word count follow the article's text. Signals rather than calls
  in `save()`, because sections and studies are saved on their own (each admin inline, each
  import) and the vector and the count belong to the article they are part of.
- Any change to what a public page shows forgets the anonymous readers' page cache
  (`page_cache.py`), whether it is saved through the admin, an import or a command.
  `QuerySet.update()` and `bulk_create()` send no signals: code that changes public content
  that way calls `forget_cached_pages()` itself.
- A reference gaining or changing details (the library's `reference_details_changed`) checks
  the studies citing it again and links the unlinked studies of the articles citing it
  (`editing/evidence.py`); any save of a reference checks its studies again.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from references.models import Reference
from references.signals import reference_details_changed

from .editing import evidence
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
from .site.page_cache import forget_cached_pages
from .site.search import update_search_vector

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


def text_changed(article_id):
    """The article's text changed: its search vector and word count follow."""
    update_search_vector(article_id=article_id)
    Article.objects.filter(pk=article_id).update_word_counts()


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
    """Study findings count as words; the search vector does not index them."""
    if not raw:
        Article.objects.filter(sections__pk=instance.section_id).update_word_counts()


@receiver(reference_details_changed, dispatch_uid="reference_details_link_studies")
def reference_details_changed_link_studies(sender, reference, **kwargs):
    evidence.references_changed(reference)


@receiver(post_save, sender=Reference, dispatch_uid="reference_saved_recheck_studies")
def reference_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        evidence.recheck_studies(instance)


def public_content_changed(sender, **kwargs):
    forget_cached_pages()


for model in PUBLIC_CONTENT:
    post_save.connect(public_content_changed, sender=model, dispatch_uid=f"page_cache_{model}")
    post_delete.connect(public_content_changed, sender=model, dispatch_uid=f"page_cache_{model}")
for through in [Article.tags.through, Article.disclaimers.through]:
    m2m_changed.connect(
        public_content_changed, sender=through, dispatch_uid=f"page_cache_{through}"
    )
