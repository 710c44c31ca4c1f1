"""
Saving an article read from text (`textformat/importer.py` reads it; this writes what was read),
in one transaction, as a new article or as an update of the one with the same address.

It runs past 500 lines because saving a draft is one transaction over every part of an article
(sections, studies, tables, citations, related titles, disclaimers), with what the preview
needs to show before it (articles already on the site, disclaimer wordings, a category to
suggest); each step is a short function, in the order the import runs them.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

import reversion
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from references.models import Reference

from ..models import (
    Article,
    Category,
    Citation,
    Disclaimer,
    PendingRelatedTitle,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    find_overlapping_rows,
    overlap_message,
    text_fingerprint,
)
from ..models.derived import refresh_changed_text
from ..services import link_pending
from ..textformat.draft import DisclaimerHint
from ..textformat.importer import ArticleImportError, strip_html
from . import evidence
from .workflow import REVIEW_REQUIRED_MESSAGE, has_recorded_review, workflow_state

#: What an existing article can share with an import, in the words the preview uses.
MATCH_LABELS = {
    "slug": _lazy("address"),
    "title": _lazy("title"),
    "text": _lazy("text"),
}


@dataclass
class ExistingMatch:
    """An article already on the site that an import looks like, and what they share."""

    article: Article
    matched: list  # keys of MATCH_LABELS

    @property
    def what(self):
        """ "address, title and text": what matched, for a sentence."""
        labels = [str(MATCH_LABELS[key]) for key in self.matched]
        if len(labels) == 1:
            return labels[0]
        return _("%(some)s and %(last)s") % {"some": ", ".join(labels[:-1]), "last": labels[-1]}

    def sentence(self):
        return _("“%(title)s” (at “%(slug)s”) has the same %(what)s.") % {
            "title": self.article.title,
            "slug": self.article.slug,
            "what": self.what,
        }


def draft_fingerprint(draft):
    """The fingerprint an article made from `draft` would have (see `text_fingerprint`)."""
    return text_fingerprint(draft.standfirst, [(s.heading, s.body) for s in draft.sections])


def find_existing(draft, *, slug=""):
    """The articles an import of `draft` (at `slug`, or the title's) would repeat: the one at
    its address first, then those with its title (ignoring case) or the same text, oldest
    first, each with what matched."""
    slug = slug or draft.slug
    fingerprint = draft_fingerprint(draft)
    candidates = Article.objects.filter(
        Q(slug=slug) | Q(title__iexact=draft.title) | Q(text_fingerprint=fingerprint)
    ).only("pk", "slug", "title", "status", "text_fingerprint")
    matches = []
    for article in candidates.order_by("pk"):
        matched = [
            key
            for key, hit in (
                ("slug", article.slug == slug),
                ("title", article.title.casefold() == draft.title.casefold()),
                ("text", article.text_fingerprint == fingerprint),
            )
            if hit
        ]
        if matched:
            matches.append(ExistingMatch(article=article, matched=matched))
    matches.sort(key=lambda match: "slug" not in match.matched)
    return matches


class ArticleExists(ArticleImportError):
    """The import repeats an article on the site (same address, title or text): update it,
    make a new one, or cancel."""

    def __init__(self, matches):
        self.matches = matches
        self.article = matches[0].article
        super().__init__(
            " ".join(match.sentence() for match in matches)
            + " "
            + _("Choose whether to update it or to import this text as a new article.")
        )


@dataclass
class ImportResult:
    """What an import saved (or, in a dry run, would have saved), for the preview and the
    command's report. Objects of a dry run are rolled back: read them, do not query them."""

    article: Article
    created: bool
    sections: list = field(default_factory=list)  # [(Section, [Study])]
    rda_tables: list = field(default_factory=list)  # [(RDATable, [RDARow])]
    references: list = field(default_factory=list)  # [(Reference, reused from the library)]
    related: list = field(default_factory=list)  # [Article]
    pending_related: list = field(default_factory=list)  # [title not on the site yet]
    disclaimers: list = field(default_factory=list)  # [Disclaimer]
    #: [DisclaimerDifference]: stock disclaimers the article words differently.
    disclaimer_differences: list = field(default_factory=list)
    #: True when the article keeps its own wording of those (else the stock text).
    own_disclaimers: bool = False
    warnings: list = field(default_factory=list)
    dry_run: bool = False
    #: [ExistingMatch]: the articles on the site this import repeats.
    existing: list = field(default_factory=list)

    @property
    def counts(self):
        return {
            "sections": len(self.sections),
            "studies": sum(len(studies) for _section, studies in self.sections),
            "rda_rows": sum(len(rows) for _table, rows in self.rda_tables),
            "references": len(self.references),
            "related_links": len(self.related),
            "pending_related": len(self.pending_related),
            "disclaimers": len(self.disclaimers),
        }


#: What an import counts, in the order the preview and the command list them.
COUNT_LABELS = {
    "sections": _lazy("sections"),
    "studies": _lazy("studies"),
    "rda_rows": _lazy("RDA rows"),
    "references": _lazy("references"),
    "related_links": _lazy("related links"),
    "pending_related": _lazy("related titles pending"),
    "disclaimers": _lazy("disclaimers"),
}


def count_items(result):
    """[(label, number)] of an ImportResult: the one list the preview and the command show."""
    counts = result.counts
    return [(str(label), counts[key]) for key, label in COUNT_LABELS.items()]


def suggest_category(draft):
    """The category whose name's words the draft's title, standfirst and headings use most, or
    None: a suggestion shown to the editor, never chosen for them."""
    text = " ".join(
        [draft.title, draft.standfirst, *(section.heading for section in draft.sections)]
    )
    words = Counter(re.findall(r"\w+", text.casefold()))
    best, best_score = None, 0
    for category in Category.objects.order_by("name"):
        name_words = [w for w in re.findall(r"\w+", category.name.casefold()) if len(w) > 3]
        score = sum(words[w] for w in name_words)
        if score > best_score:
            best, best_score = category, score
    return best


def disclaimer_hints():
    """What the importer needs to know of the existing disclaimers to recognise them."""
    return [
        DisclaimerHint(name=d.name, title=d.title, body=d.body, is_default=d.is_default)
        for d in Disclaimer.objects.all()
    ]


def normalised_wording(html_text):
    """A disclaimer's words for comparing two wordings: no markup, case, punctuation or
    spacing differences."""
    return " ".join(re.findall(r"\w+", strip_html(html_text).casefold()))


@dataclass
class DisclaimerDifference:
    """A closing note matched to a stock disclaimer whose wording differs from it."""

    stock: Disclaimer
    label: str  # the note's own label ("Important Note")
    body: str  # the note's own text, HTML

    @property
    def text(self):
        return strip_html(self.body)


def disclaimer_differences(draft):
    """The disclaimers the draft matched whose own wording differs from the stock text, in
    order: the editor chooses which wording the article keeps (never silently replaced)."""
    wordings = draft.disclaimer_wordings
    stock = Disclaimer.objects.in_bulk(list(wordings), field_name="name")
    return [
        DisclaimerDifference(stock=stock[name], label=label, body=body)
        for name, (label, body) in wordings.items()
        if name in stock and normalised_wording(body) != normalised_wording(stock[name].body)
    ]


def own_disclaimer_name(stock, slug):
    """The name of an article's own wording of a stock disclaimer: "<stock name> — <slug>"."""
    return f"{stock.name} — {slug}"[: Disclaimer._meta.get_field("name").max_length]


def unique_slug(base):
    """`base`, or `base-2`, `base-3` … : the first no article has."""
    slug, suffix = base, 2
    while Article.objects.filter(slug=slug).exists():
        ending = f"-{suffix}"
        slug, suffix = f"{base[: 200 - len(ending)]}{ending}", suffix + 1
    return slug


@transaction.atomic
def import_article(
    *,
    draft,
    slug="",
    category=None,
    author=None,
    reviewer=None,
    reviewed_on=None,
    on_existing=None,
    publish=False,
    dry_run=False,
    user=None,
    source_name="",
    own_disclaimers=False,
):
    """Save an ArticleDraft (articles.importer.parse) as an article, in one transaction.

    A new article is a draft (`publish` publishes it now, if its medical review is recorded).
    Its address is `slug`, or one made from the title. When an article already has that slug,
    that title (ignoring case) or the same text (`find_existing`), `on_existing` must say
    "update" (the article at that address, else the first match: keep its id, slug, creation
    date, status and history; replace its sections, studies, intake tables, citations and
    links) or "new" (a new article, with a numbered slug if the address is taken); otherwise
    ArticleExists is raised and nothing is saved. `category` is required for a new article (there
    is no default); `author` None signs a new article by the publisher (an organisation,
    `settings.PUBLISHER_NAME`), never by a person who did not write it; on an update None keeps
    the article's. `reviewer` (a Contributor) with `reviewed_on` (today if None) records the
    medical review, which `user` must be allowed to record; with it `publish` can succeed.
    References are reused by normalised URL or identifier (`in_library`); related articles are
    found by title, and a title not on the site is kept as pending (linked once an article with
    that title is published).
    A closing note matched to a stock disclaimer but worded differently is attached as the
    stock text, or with `own_disclaimers` as a disclaimer of the article's own (named
    "<stock name> — <slug>"); either way the result lists the difference and warns.
    Every object is cleaned before it is saved: the first problem raises ArticleImportError and
    nothing is saved. `dry_run` rolls everything back.
    """
    slug = slug or draft.slug
    matches = find_existing(draft, slug=slug)
    if matches and on_existing not in ("update", "new"):
        raise ArticleExists(matches)
    existing = matches[0].article if matches else None
    updating = existing is not None and on_existing == "update"
    warnings = []
    with reversion.create_revision():
        if updating:
            article = Article.objects.select_for_update().get(pk=existing.pk)
            for parts in (article.sections, article.rda_tables, article.citations):
                parts.all().delete()
            article.related_links.all().delete()
            article.pending_related.all().delete()
        else:
            if category is None:
                raise ArticleImportError(_("Choose the category of the article."))
            article = Article(slug=unique_slug(slug), status=Article.Status.DRAFT)
        article.title = draft.title
        article.standfirst = draft.standfirst
        article.attribution = draft.attribution or article.attribution
        article.category = category or article.category
        if author is not None:
            article.author = author
        if reviewer is not None:
            if user is not None and not user.has_perm("articles.review_article"):
                raise ArticleImportError(
                    _("Only a medical reviewer can record the medical review of an import.")
                )
            article.medical_reviewer = reviewer
            article.reviewed_on = reviewed_on or timezone.localdate()
        if publish:
            if user is not None and not user.has_perm("articles.publish_article"):
                raise ArticleImportError(_("Only a publisher can publish an imported article."))
            if not has_recorded_review(workflow_state(article)):
                raise ArticleImportError(str(REVIEW_REQUIRED_MESSAGE))
            if not article.is_live:
                article.status, article.publish_at = Article.Status.PUBLISHED, timezone.now()
        _import_save(article, _("The article"))
        result = ImportResult(
            article=article, created=not updating, dry_run=dry_run, existing=matches
        )
        result.references = _import_citations(article, draft.references, warnings)
        result.sections = _import_sections(article, draft.sections, result.references)
        result.rda_tables = _import_rda_tables(article, draft.rda_tables, result.sections)
        result.related, result.pending_related = _import_related(
            article, draft.related_titles, warnings
        )
        result.disclaimer_differences = disclaimer_differences(draft)
        result.own_disclaimers = own_disclaimers
        result.disclaimers = _import_disclaimers(
            article,
            draft.disclaimers,
            updating,
            warnings,
            differences=result.disclaimer_differences,
            own=own_disclaimers,
        )
        linked = evidence.link_unlinked_studies(article)
        if article.status == Article.Status.PUBLISHED:
            link_pending(article)
        if user is not None:
            reversion.set_user(user)
        comment = _("Imported from %(source)s.") % {"source": source_name or _("text")}
        reversion.set_comment(f"{comment} {linked.comment()}" if linked.linked else comment)
    result.warnings = [*draft.warnings, *warnings]
    if dry_run:
        transaction.set_rollback(True)
    else:
        # Every part is saved: the article's word count and search vector, once.
        refresh_changed_text(article_ids=[article.pk])
    return result


def _import_save(instance, context):
    """Clean and save one imported object; a problem becomes one line naming where it is."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ArticleImportError(f"{context}: {_validation_text(instance, error)}") from error
    instance.save()
    return instance


def _validation_text(instance, error):
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, errors in error.message_dict.items():
        messages = " ".join(errors)
        try:
            label = instance._meta.get_field(name).verbose_name
        except FieldDoesNotExist:  # NON_FIELD_ERRORS
            parts.append(messages)
        else:
            parts.append(f"{label}: {messages}")
    return " ".join(parts)


def in_library(draft):
    """The library's reference for a DraftReference: the first with its normalised address or
    an identifier its citation or its address states (a PubMed address and its
    ncbi.nlm.nih.gov/pubmed/ twin are one source), or None."""
    candidate = Reference(url=draft.url, **draft.identifiers)
    candidate.fill_identifiers()
    return candidate.possible_duplicates().order_by("pk").first()


def _import_citations(article, draft_references, warnings):
    cited = []
    for position, draft in enumerate(draft_references, start=1):
        reference = in_library(draft)
        reused = reference is not None
        if not reused:
            reference = _import_save(
                Reference(
                    title=draft.title,
                    url=draft.url,
                    retrieved_on=draft.retrieved_on,
                    **draft.identifiers,
                ),
                _("Reference “%(title)s”") % {"title": draft.title},
            )
            if draft.from_citation:
                warnings.append(
                    _(
                        "Reference %(number)d is new to the library; its title “%(title)s” was "
                        "read from its citation: check it, and fetch its details."
                    )
                    % {"number": position, "title": draft.title}
                )
        _import_save(
            Citation(article=article, reference=reference, position=position),
            _("Reference “%(title)s”") % {"title": draft.title},
        )
        cited.append((reference, reused))
    return cited


def _import_sections(article, draft_sections, references):
    saved = []
    for position, draft in enumerate(draft_sections, start=1):
        name = draft.heading or _("Introduction")
        section = _import_save(
            Section(
                article=article,
                position=position,
                heading=draft.heading,
                level=draft.level,
                number_subsections=draft.number_subsections,
                body=draft.body,
            ),
            _("Section “%(heading)s”") % {"heading": name},
        )
        studies = []
        for study_position, study in enumerate(draft.studies, start=1):
            number = study.reference_number
            studies.append(
                _import_save(
                    Study(
                        section=section,
                        position=study_position,
                        display=study.display,
                        label=study.label,
                        journal=study.journal,
                        authors=study.authors,
                        year=study.year,
                        finding=study.finding,
                        effect_figure=study.effect_figure,
                        study_type=study.study_type,
                        reference=references[number - 1][0] if number else None,
                    ),
                    _("Study (%(citation)s) in section “%(heading)s”")
                    % {"citation": study.citation_text, "heading": name},
                )
            )
        saved.append((section, studies))
    return saved


def _table_place(draft, sections):
    """(section, after paragraph) where the text puts the table: the parser's draft records the
    index of the section that introduces it and the number of that section's top-level
    paragraphs before it (the unit of `RDATable.after_paragraph`), when it knows them."""
    index = draft.section_index
    if index is None or not 0 <= index < len(sections):
        return None, None
    return sections[index][0], draft.after_paragraph


def _import_rda_tables(article, draft_tables, sections):
    saved = []
    for position, draft in enumerate(draft_tables, start=1):
        context = _("Intake table “%(nutrient)s”") % {"nutrient": draft.nutrient}
        section, after_paragraph = _table_place(draft, sections)
        table = _import_save(
            RDATable(
                article=article,
                position=position,
                nutrient=draft.nutrient,
                unit=draft.unit,
                source_note=draft.source_note,
                upper_limit=draft.upper_limit,
                upper_limit_applies_to=draft.upper_limit_applies_to,
                section=section,
                after_paragraph=after_paragraph,
            ),
            context,
        )
        rows = [
            RDARow(
                table=table,
                position=row_position,
                life_stage=row.life_stage,
                age_from=row.age_from,
                age_to=row.age_to,
                age_unit=row.age_unit,
                amount=row.amount,
                intake_type=row.intake_type,
            )
            for row_position, row in enumerate(draft.rows, start=1)
        ]
        overlap = find_overlapping_rows(rows)
        if overlap:
            raise ArticleImportError(f"{context}: {overlap_message(*overlap)}")
        saved.append((table, [_import_save(row, context) for row in rows]))
    return saved


def _import_related(article, titles, warnings):
    """Link each title to the article of that name; keep a title not on the site as pending,
    in its place in the list. Returns (linked articles, pending titles)."""
    linked, pending = [], []
    for position, title in enumerate(titles, start=1):
        matches = list(
            Article.objects.filter(title__iexact=title)
            .exclude(pk=article.pk)
            .order_by("-publish_at", "pk")[:2]
        )
        if not matches:
            if title.casefold() not in {t.casefold() for t in pending}:
                _import_save(
                    PendingRelatedTitle(article=article, title=title, position=position),
                    _("You May Also Like “%(title)s”") % {"title": title},
                )
                pending.append(title)
                warnings.append(
                    _(
                        "“%(title)s” (You May Also Like) is not an article on the site yet: it "
                        "is kept as pending and linked once an article with that title is "
                        "published."
                    )
                    % {"title": title}
                )
            continue
        if len(matches) > 1:
            warnings.append(
                _("Several articles are called “%(title)s”; the latest is linked.")
                % {"title": title}
            )
        if matches[0] in linked:
            continue
        _import_save(
            RelatedArticle(article=article, related=matches[0], position=position),
            _("You May Also Like “%(title)s”") % {"title": title},
        )
        linked.append(matches[0])
    return linked, pending


def _import_disclaimers(article, names, updating, warnings, *, differences, own):
    if names:
        by_name = Disclaimer.objects.in_bulk(names, field_name="name")
        for difference in differences:
            by_name[difference.stock.name] = _worded(article, difference, own, warnings)
        disclaimers = [by_name[name] for name in names if name in by_name]
    elif updating:
        return list(article.disclaimers.all())
    else:
        disclaimers = list(Disclaimer.objects.defaults())
        if disclaimers:
            warnings.append(_("The text names no disclaimer; the standard ones are attached."))
    article.disclaimers.set(disclaimers)
    return disclaimers


def _worded(article, difference, own, warnings):
    """The disclaimer attached for a note worded unlike its stock disclaimer: the stock one, or
    the article's own wording kept as a disclaimer of its own (updated on a new import)."""
    stock = difference.stock
    if not own:
        warnings.append(
            _(
                "The article's own wording of the disclaimer “%(name)s” differs from the stock "
                "text; the stock text is attached (choose the article's own wording to keep it)."
            )
            % {"name": stock.name}
        )
        return stock
    name = own_disclaimer_name(stock, article.slug)
    disclaimer = Disclaimer.objects.filter(name=name).first() or Disclaimer(name=name)
    disclaimer.title = difference.label
    disclaimer.body = difference.body
    disclaimer.position = stock.position
    disclaimer.is_default = False
    warnings.append(
        _(
            "The article's own wording of the disclaimer “%(name)s” differs from the stock text; "
            "it is kept as the disclaimer “%(own)s”."
        )
        % {"name": stock.name, "own": name}
    )
    return _import_save(disclaimer, _("Disclaimer “%(name)s”") % {"name": name})
