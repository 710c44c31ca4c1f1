"""
Demo content: one complete article with everything the page can show, and two short related ones.

The articles are Markdown files beside this module, written in our own words (the figures, study
details, titles and URLs are kept exactly as published), in the dialect
`articles/textformat/markdown.py` describes. `load_demo()` reads each through the importer and
saves it with `editing/imports.import_article`, the service an editor's import uses, so the demo
obeys every rule an import does. What Markdown cannot say (the people, category, tags, dates,
reference identifiers, hero images and their descriptions) is in `demo.toml` here; the loader
creates those rows first. The hero images (`images/`) are abstract illustrations made for the
demo; each is saved as an editor's upload is, so its renditions are made on save.

The main article, "How Magnesium Glycinate Supports Better Nerve Conduction", has an unheaded
introduction, sections with numbered and unnumbered sub-sections, study call-outs and in-text
statistics, a table of recommended intakes, a reference list and "You may also like" links.
`manage.py load_demo` calls it.
"""

import tomllib
from datetime import date
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.text import slugify

from references.models import Reference
from references.normalize import normalize_url

from ..editing import imports
from ..models import Article, Category, Contributor, Tag
from ..textformat import importer

CONTENT = Path(__file__).resolve().parent
DATA = tomllib.loads((CONTENT / "demo.toml").read_text(encoding="utf-8"))
#: The main demo article's address; the demo counts as loaded when it exists.
MAIN_SLUG = DATA["articles"][0]["slug"]
ARTICLE_COUNT = len(DATA["articles"])


@transaction.atomic
def load_demo(*, stdout=None):
    """Import the demo articles and everything they need, and return True; return False and
    change nothing when the main demo article already exists.

    The category, tags, people and references that already exist (by slug, name or normalised
    URL) are reused. Progress lines go to `stdout` when one is given. A file the importer cannot
    save raises ArticleImportError, and nothing is kept."""
    if Article.objects.filter(slug=MAIN_SLUG).exists():
        return False
    category = _get_or_create(Category, slug=DATA["category"]["slug"], defaults=DATA["category"])
    people = {
        key: _get_or_create(Contributor, slug=person["slug"], defaults=person)
        for key, person in DATA["people"].items()
    }
    drafts = [_read(entry) for entry in DATA["articles"]]
    titles = {ref.normalized_url: ref.title for draft in drafts for ref in draft.references}
    for reference in DATA["references"]:
        _library_entry(reference, titles)
    for entry, draft in zip(DATA["articles"], drafts, strict=True):
        article = _import(entry, draft, category=category, people=people)
        _say(stdout, f"Created “{article.title}”.")
    return True


def _read(entry):
    return importer.parse(
        (CONTENT / entry["file"]).read_text(encoding="utf-8"),
        filename=entry["file"],
        disclaimers=imports.disclaimer_hints(),
    )


def _import(entry, draft, *, category, people):
    """Import one file as a published article, then give it what the file cannot carry."""
    result = imports.import_article(
        draft=draft,
        slug=entry["slug"],
        category=category,
        author=people[entry["author"]],
        reviewer=people[entry["reviewer"]],
        reviewed_on=entry["reviewed_on"],
        publish=True,
        source_name=entry["file"],
    )
    article = result.article
    article.publish_at = entry["publish_at"]
    article.featured = entry.get("featured", False)
    article.meta_description = entry.get("meta_description", "")
    if "hero_image" in entry:
        path = CONTENT / entry["hero_image"]
        with path.open("rb") as image:
            article.hero_image = File(image, name=path.name)
            article.hero_image_alt = entry["hero_image_alt"]
            _save(article)
    else:
        _save(article)
    article.tags.set(
        [_get_or_create(Tag, name=name, defaults={"slug": slugify(name)}) for name in entry["tags"]]
    )
    return article


def _library_entry(data, titles):
    """The library's reference for this URL, made with its identifiers if it is not there yet;
    its title is the one the demo articles' reference lists give it (`titles`, by URL)."""
    url = normalize_url(data["url"])
    existing = Reference.objects.filter(normalized_url=url).first()
    if existing:
        return existing
    if url not in titles:
        raise importer.ArticleImportError(f"demo.toml: no demo article cites {data['url']}.")
    retrieved_on = data.get("retrieved_on")
    year, month, day = [*data.get("issued", []), None, None, None][:3]
    return _save(
        Reference(
            title=titles[url],
            url=data["url"],
            retrieved_on=retrieved_on if isinstance(retrieved_on, date) else None,
            issued_year=year,
            issued_month=month,
            issued_day=day,
            **{field: data[field] for field in RECORD_FIELDS if field in data},
        )
    )


#: What a demo.toml reference may state besides its URL, dates and title: its identifiers and
#: the bibliographic details read on the record (each with a `checked` note saying where).
RECORD_FIELDS = [
    "pmid",
    "doi",
    "pmcid",
    "reference_type",
    "authors",
    "container_title",
    "container_title_short",
    "volume",
    "issue",
    "pages",
]


def _get_or_create(model, defaults=None, **lookup):
    existing = model.objects.filter(**lookup).first()
    if existing:
        return existing
    return _save(model(**{**(defaults or {}), **lookup}))


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


def _say(stdout, message):
    if stdout is not None:
        stdout.write(message)
