"""
Saving an article read from text (`textformat/importer.py` reads it; this writes what was read),
in one transaction, as a new article or as an update of the one with the same address.
"""

from dataclasses import dataclass, field

import reversion
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from references.models import Reference

from ..models import (
    Article,
    Citation,
    Disclaimer,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    find_overlapping_rows,
    overlap_message,
)
from ..models.derived import refresh_changed_text
from ..textformat.importer import ArticleImportError, DisclaimerHint
from .workflow import REVIEW_REQUIRED_MESSAGE, has_recorded_review, workflow_state


class SlugTaken(ArticleImportError):
    """An article already has the slug of the imported title: update it, or make a new one."""

    def __init__(self, article):
        self.article = article
        super().__init__(
            _(
                "An article with the address “%(slug)s” already exists (“%(title)s”). Choose "
                "whether to update it or to import this text as a new article."
            )
            % {"slug": article.slug, "title": article.title}
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
    disclaimers: list = field(default_factory=list)  # [Disclaimer]
    warnings: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def counts(self):
        return {
            "sections": len(self.sections),
            "studies": sum(len(studies) for _section, studies in self.sections),
            "rda_rows": sum(len(rows) for _table, rows in self.rda_tables),
            "references": len(self.references),
            "related_links": len(self.related),
            "disclaimers": len(self.disclaimers),
        }


def disclaimer_hints():
    """What the importer needs to know of the existing disclaimers to recognise them."""
    return [
        DisclaimerHint(name=d.name, title=d.title, body=d.body, is_default=d.is_default)
        for d in Disclaimer.objects.all()
    ]


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
    category=None,
    author=None,
    on_existing=None,
    publish=False,
    dry_run=False,
    user=None,
    source_name="",
):
    """Save an ArticleDraft (articles.importer.parse) as an article, in one transaction.

    A new article is a draft (`publish` publishes it now, if its medical review is recorded).
    When an article already has the draft's slug, `on_existing` must say "update" (keep its
    id, slug, creation date, status and history; replace its sections, studies, intake
    tables, citations and links) or "new" (a new article with a numbered slug); otherwise
    SlugTaken is raised and nothing is saved. `category` and `author` are required for a new
    article; None keeps an updated article's. References are reused by normalised URL;
    related articles are found by title. Every object is cleaned before it is saved: the first
    problem raises ArticleImportError and nothing is saved. `dry_run` rolls everything back.
    """
    existing = Article.objects.filter(slug=draft.slug).first()
    if existing is not None and on_existing not in ("update", "new"):
        raise SlugTaken(existing)
    updating = existing is not None and on_existing == "update"
    warnings = []
    with reversion.create_revision():
        if updating:
            article = Article.objects.select_for_update().get(pk=existing.pk)
            for parts in (article.sections, article.rda_tables, article.citations):
                parts.all().delete()
            article.related_links.all().delete()
        else:
            if category is None or author is None:
                raise ArticleImportError(_("Choose the category and the author of the article."))
            article = Article(slug=unique_slug(draft.slug), status=Article.Status.DRAFT)
        article.title = draft.title
        article.standfirst = draft.standfirst
        article.attribution = draft.attribution or article.attribution
        article.category = category or article.category
        article.author = author or article.author
        if publish:
            if not has_recorded_review(workflow_state(article)):
                raise ArticleImportError(str(REVIEW_REQUIRED_MESSAGE))
            if not article.is_live:
                article.status, article.publish_at = Article.Status.PUBLISHED, timezone.now()
        _import_save(article, _("The article"))
        result = ImportResult(article=article, created=not updating, dry_run=dry_run)
        result.references = _import_citations(article, draft.references)
        result.sections = _import_sections(article, draft.sections, result.references)
        result.rda_tables = _import_rda_tables(article, draft.rda_tables)
        result.related = _import_related(article, draft.related_titles, warnings)
        result.disclaimers = _import_disclaimers(article, draft.disclaimers, updating, warnings)
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(_("Imported from %(source)s.") % {"source": source_name or _("text")})
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


def _import_citations(article, draft_references):
    cited = []
    for position, draft in enumerate(draft_references, start=1):
        reference = Reference.objects.filter(normalized_url=draft.normalized_url).first()
        reused = reference is not None
        if not reused:
            reference = _import_save(
                Reference(title=draft.title, url=draft.url),
                _("Reference “%(title)s”") % {"title": draft.title},
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


def _import_rda_tables(article, draft_tables):
    saved = []
    for position, draft in enumerate(draft_tables, start=1):
        context = _("Intake table “%(nutrient)s”") % {"nutrient": draft.nutrient}
        table = _import_save(
            RDATable(
                article=article,
                position=position,
                nutrient=draft.nutrient,
                unit=draft.unit,
                source_note=draft.source_note,
                upper_limit=draft.upper_limit,
                upper_limit_applies_to=draft.upper_limit_applies_to,
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
    linked = []
    for title in titles:
        matches = list(
            Article.objects.filter(title__iexact=title)
            .exclude(pk=article.pk)
            .order_by("-publish_at", "pk")[:2]
        )
        if not matches:
            warnings.append(
                _(
                    "“%(title)s” (You May Also Like) is not an article on the site; "
                    "link it after it is added."
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
            RelatedArticle(article=article, related=matches[0], position=len(linked) + 1),
            _("You May Also Like “%(title)s”") % {"title": title},
        )
        linked.append(matches[0])
    return linked


def _import_disclaimers(article, names, updating, warnings):
    if names:
        by_name = Disclaimer.objects.in_bulk(names, field_name="name")
        disclaimers = [by_name[name] for name in names if name in by_name]
    elif updating:
        return list(article.disclaimers.all())
    else:
        disclaimers = list(Disclaimer.objects.defaults())
        if disclaimers:
            warnings.append(_("The text names no disclaimer; the standard ones are attached."))
    article.disclaimers.set(disclaimers)
    return disclaimers
