"""
The word count and the search vector follow the article's text, refreshed once per change.

An article is saved with its parts: the admin saves the article, then each section and study
inline; an import saves dozens of rows. Each of those saves only *marks* its article
(`text_changed`, called by signals.py); the article's derived text is refreshed when the
transaction commits (`transaction.on_commit`), once however many of its parts changed, or at
once outside a transaction. A rolled-back transaction refreshes nothing (Django drops its
callbacks, and the rows it changed are gone too).

Writers that read the derived text back before committing (the admin's save of an article with
its inlines, the import service) call `refresh_changed_text` themselves when they are done;
the callbacks of that transaction then find nothing left to do.

The marks are kept per thread, as Django keeps its connections. A mark left by a rolled-back
transaction is harmless: only a callback of a committed change refreshes, and only the article
it marked.
"""

import threading
from functools import partial

from django.db import transaction

from .article import Article

_marks = threading.local()


def _changed_ids():
    """The ids of the articles whose text changed and is not yet refreshed, in this thread."""
    if not hasattr(_marks, "article_ids"):
        _marks.article_ids = set()
    return _marks.article_ids


def text_changed(article_id):
    """The text of article `article_id` changed: refresh its derived text when the transaction
    commits (at once outside one), once for all its changes."""
    _changed_ids().add(article_id)
    # One callback per change, not per article: Django drops the callbacks of a rolled-back
    # savepoint, so each change must bring its own; the ones after the first find it done.
    transaction.on_commit(partial(refresh_changed_text, article_ids=[article_id]))


def refresh_changed_text(*, article_ids):
    """Refresh now the derived text of those of `article_ids` whose text changed since their
    last refresh; the others cost nothing."""
    changed = _changed_ids()
    due = changed.intersection(article_ids)
    if due:
        changed.difference_update(due)
        Article.objects.filter(pk__in=due).update_derived_text()
