"""
Side effects of saving content: the stored search vector follows the article's text.

Signals rather than calls in `save()`, because sections are saved on their own (each admin
inline, each import) and the vector belongs to the article they are part of.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Article, Section
from .search import update_search_vector


@receiver(post_save, sender=Article, dispatch_uid="article_search_vector")
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        update_search_vector(article_id=instance.pk)


@receiver(post_save, sender=Section, dispatch_uid="section_saved_search_vector")
@receiver(post_delete, sender=Section, dispatch_uid="section_deleted_search_vector")
def section_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        update_search_vector(article_id=instance.article_id)
