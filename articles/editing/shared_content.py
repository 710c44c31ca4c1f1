"""
What published articles share with others: the references they cite and the disclaimers they
show. A change to one of them changes published pages without touching the articles, so it
follows the articles' rule: once an article is published, what its readers see changes only
with the permission to publish (`articles.publish_article`), and the change is written into
the history of every published article it reaches.

"Published" here includes articles scheduled to go live: they reach readers without another
review. An editor (without the publish permission) still changes and merges references that
only drafts cite, and references nothing cites.

The admin applies the rule (`CitedReferenceAdmin`, `DisclaimerAdmin` in articles/admin/);
merges are written into the histories by the receiver of `references.signals.references_merged`
(articles/signals.py).
"""

import reversion
from django.db.models import Q
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from references.models import BIBLIOGRAPHIC_FIELDS

from ..models import Article, Citation, Disclaimer, Study
from . import versioning  # noqa: F401  (registers the article's parts for history)

PUBLISH_PERMISSION = "articles.publish_article"
#: The fields of a reference its readers see in a reference list (see Reference.citation_parts).
REFERENCE_FIELDS_READERS_SEE = [
    "reference_type",
    "title",
    "url",
    "site",
    "retrieved_on",
    "doi",
    "pmid",
    "pmcid",
    "bookshelf_id",
    *BIBLIOGRAPHIC_FIELDS,
    "notice_status",
    "notice_doi",
    "notice_url",
]
#: The fields of a disclaimer its readers see.
DISCLAIMER_FIELDS_READERS_SEE = ["title", "body"]
#: How many article titles a message names before "and N more".
NAMED_IN_MESSAGES = 3


def published_articles():
    """Articles readers see or will see without another step: published, or scheduled."""
    return Article.objects.filter(status=Article.Status.PUBLISHED)


def published_articles_citing(reference_pks):
    """Published articles whose reference list, or one of whose studies, points at one of the
    references `reference_pks`."""
    return published_articles().filter(
        Q(citations__reference__in=reference_pks)
        | Q(sections__studies__reference__in=reference_pks)
    )


def cited_by_published_articles(references):
    """The references of the queryset `references` that published articles cite."""
    return references.filter(
        Q(citations__article__status=Article.Status.PUBLISHED)
        | Q(studies__section__article__status=Article.Status.PUBLISHED)
    ).distinct()


def published_articles_showing(disclaimer):
    return published_articles().filter(disclaimers=disclaimer)


def may_change_published_content(user):
    return user.has_perm(PUBLISH_PERMISSION)


def _titles(articles):
    """“A”, “A and B”, “A, B, C and 2 more”: the titles of `articles`, for a message."""
    titles = list(articles.order_by("title").values_list("title", flat=True).distinct())
    named = [f"“{title}”" for title in titles[:NAMED_IN_MESSAGES]]
    if len(titles) > NAMED_IN_MESSAGES:
        more = len(titles) - NAMED_IN_MESSAGES
        named.append(ngettext("%(count)d more", "%(count)d more", more) % {"count": more})
    return get_text_list(named, _("and")), len(titles)


def locked_reference_message(references, articles):
    """Why an editor may not change or merge `references`, which the published `articles`
    cite, and who may."""
    titles, count = _titles(articles)
    return ngettext(
        "%(references)s is cited by the published article %(titles)s. Readers would see a "
        "change at once, unreviewed, so only a publisher (the Publishers group) can change or "
        "merge it; each change is written into the article's history. Ask a publisher, or cite "
        "a corrected reference in a draft of the article.",
        "%(references)s is cited by %(count)d published articles: %(titles)s. Readers would "
        "see a change at once, unreviewed, so only a publisher (the Publishers group) can "
        "change or merge it; each change is written into the articles' histories. Ask a "
        "publisher, or cite a corrected reference in drafts of the articles.",
        count,
    ) % {
        "references": get_text_list([f"“{reference.title}”" for reference in references], _("and")),
        "titles": titles,
        "count": count,
    }


def locked_disclaimer_message(disclaimer, articles):
    titles, count = _titles(articles)
    return ngettext(
        "The disclaimer “%(name)s” is shown on the published article %(titles)s. Only a "
        "publisher (the Publishers group) can change it; each change is written into the "
        "article's history.",
        "The disclaimer “%(name)s” is shown on %(count)d published articles: %(titles)s. Only a "
        "publisher (the Publishers group) can change it; each change is written into the "
        "articles' histories.",
        count,
    ) % {"name": disclaimer.name, "titles": titles, "count": count}


def changed_labels(model, field_names):
    """The names editors know the fields `field_names` of `model` by, for a history comment."""
    return ", ".join(str(model._meta.get_field(name).verbose_name) for name in field_names)


def record_in_histories(*, articles, user, comment):
    """Keep a version of each article in `articles` (with its parts, as they are now) in its
    own history, saved by `user`, with `comment` saying what changed. One revision per
    article, so restoring one never touches another."""
    for article in articles.distinct().order_by("pk"):
        with reversion.create_revision():
            reversion.add_to_revision(article)
            reversion.set_user(user)
            reversion.set_comment(comment)


def reference_changed(*, reference, fields, user):
    """Write a change to `reference` (its `fields` readers see) into the histories of the
    published articles citing it."""
    comment = _("Reference “%(title)s” changed: %(fields)s.") % {
        "title": reference.title,
        "fields": changed_labels(type(reference), fields),
    }
    record_in_histories(
        articles=published_articles_citing([reference.pk]), user=user, comment=comment
    )


def references_merged(*, keep, merged, rows, filled, user):
    """Write a merge into the histories of the published articles it changed: those whose
    citations or studies pointed at a merged reference (`rows`, as sent by
    `references.signals.references_merged`), and those citing the reference kept when it took
    identifiers from the others (`filled`)."""
    article_pks = {row.article_id for row in rows.get(Citation, [])}
    section_pks = {row.section_id for row in rows.get(Study, [])}
    touched = Q(pk__in=article_pks) | Q(sections__in=section_pks)
    comment = _("Reference %(merged)s merged into “%(title)s”.") % {
        "merged": get_text_list([f"“{reference.title}”" for reference in merged], _("and")),
        "title": keep.title,
    }
    if filled:
        touched |= Q(citations__reference=keep) | Q(sections__studies__reference=keep)
        comment += " " + _("It took from them: %(fields)s.") % {
            "fields": changed_labels(type(keep), filled)
        }
    record_in_histories(articles=published_articles().filter(touched), user=user, comment=comment)


def disclaimer_changed(*, disclaimer, fields, user):
    comment = _("Disclaimer “%(name)s” changed: %(fields)s.") % {
        "name": disclaimer.name,
        "fields": changed_labels(Disclaimer, fields),
    }
    record_in_histories(articles=published_articles_showing(disclaimer), user=user, comment=comment)
