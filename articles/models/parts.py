"""
The parts of an article, in the order readers meet them.

Ordered `Section`s (level 2 sections with level 3 sub-sections under them), each with ordered
`Study` records: every figure shown to readers (a call-out such as "reduced IL-6 and CRP by
20-30%" or a statistic in the running text) names its journal, authors and year.
`RDATable`/`RDARow` hold dietary reference intakes shaped like the NIH Office of Dietary
Supplements tables. `RelatedArticle` orders the "You may also like" links. A `Citation` puts a
reference of the library (the `references` app) in the article's numbered reference list.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hslhealing.richtext import RichTextField

from .evidence import SourceCheck, check_study


class Section(models.Model):
    class Level(models.IntegerChoices):
        SECTION = 2, _("Section")
        SUBSECTION = 3, _("Sub-section")

    article = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="sections", verbose_name=_("article")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    heading = models.CharField(
        _("heading"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty for an introduction shown without a heading."),
    )
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=Level.choices,
        default=Level.SECTION,
        help_text=_("A sub-section sits under the section before it."),
    )
    number_subsections = models.BooleanField(
        _("number its sub-sections"),
        default=False,
        help_text=_("Show the sub-sections under this section as 1., 2., 3. …"),
    )
    body = RichTextField(_("text"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        indexes = [models.Index(fields=["article", "position"], name="section_article_position")]

    def __str__(self):
        return self.heading or str(_("Introduction"))


class Study(models.Model):
    """The source of a figure or claim shown to readers."""

    class Display(models.TextChoices):
        CALLOUT = "callout", _("Call-out box")
        IN_TEXT = "in_text", _("Cited in the running text")

    class StudyType(models.TextChoices):
        ANIMAL = "animal", _("Animal model")
        IN_VITRO = "in_vitro", _("Laboratory (cell) study")
        RANDOMISED_TRIAL = "randomised_trial", _("Randomised controlled trial")
        CLINICAL_TRIAL = "clinical_trial", _("Clinical trial, not randomised")
        OBSERVATIONAL = "observational", _("Observational study")
        POPULATION = "population", _("Population survey or epidemiology")
        SYSTEMATIC_REVIEW = "systematic_review", _("Systematic review or meta-analysis")
        REVIEW = "review", _("Narrative review")

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="studies", verbose_name=_("section")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    display = models.CharField(
        _("shown as"), max_length=10, choices=Display.choices, default=Display.CALLOUT
    )
    label = models.CharField(
        _("call-out label"),
        max_length=60,
        blank=True,
        help_text=_("For example: Clinical Insight, Research Findings, Study Highlight."),
    )
    journal = models.CharField(_("journal"), max_length=200, blank=True)
    authors = models.CharField(
        _("authors"),
        max_length=200,
        help_text=_("As cited: “Xu et al.” or “Barbagallo & Dominguez”."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    finding = models.TextField(_("finding"), help_text=_("What the study found, in plain words."))
    effect_figure = models.CharField(
        _("effect figure"),
        max_length=40,
        blank=True,
        help_text=_("The headline number, as readers see it: “20-30%”, “35%”, “30 million”."),
    )
    study_type = models.CharField(
        _("study type"), max_length=20, choices=StudyType.choices, blank=True
    )
    reference = models.ForeignKey(
        "references.Reference",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="studies",
        verbose_name=_("reference"),
        help_text=_("The entry in the reference list that backs this finding, if there is one."),
    )
    # Kept up to date on save and when the reference's details change (signals.py): how the
    # journal, first author and year above stand against the reference's record.
    source_check = models.CharField(
        _("checked against its reference"),
        max_length=12,
        choices=SourceCheck.choices,
        default=SourceCheck.UNLINKED,
        editable=False,
    )
    source_check_note = models.TextField(_("what differs"), blank=True, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("study")
        verbose_name_plural = _("studies")

    def __str__(self):
        return self.citation_text

    def save(self, *args, **kwargs):
        self.check_source()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "source_check", "source_check_note"}
        super().save(*args, **kwargs)

    def check_source(self):
        """Compare the study with its reference (`evidence.check_study`); True if that changed
        what is stored."""
        check, note = check_study(self, self.reference if self.reference_id else None)
        changed = (check, note) != (self.source_check, self.source_check_note)
        self.source_check, self.source_check_note = check, note
        return changed

    @property
    def citation_text(self):
        """The in-text citation: “Xu et al., 2013”."""
        return f"{self.authors}, {self.year}"

    def clean(self):
        super().clean()
        if self.year and self.year > timezone.localdate().year:
            raise ValidationError({"year": _("A study cannot be from a future year.")})
        if self.effect_figure and self.effect_figure not in self.finding:
            raise ValidationError(
                {
                    "effect_figure": _(
                        "The effect figure should appear in the finding, exactly as written "
                        "(“%(figure)s” is not in it)."
                    )
                    % {"figure": self.effect_figure}
                }
            )


class RDATable(models.Model):
    """Dietary reference intakes for one nutrient, shaped like the NIH ODS tables."""

    class Unit(models.TextChoices):
        MG = "mg", _("mg")
        MCG = "mcg", _("mcg")
        IU = "IU", _("IU")
        G = "g", _("g")

    article = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="rda_tables", verbose_name=_("article")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    nutrient = models.CharField(_("nutrient"), max_length=100)
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices, default=Unit.MG)
    source_note = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Who set these values, e.g. Food and Nutrition Board, National Academies."),
    )
    upper_limit = models.DecimalField(
        _("tolerable upper intake level"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    upper_limit_applies_to = models.CharField(
        _("upper limit applies to"),
        max_length=200,
        blank=True,
        help_text=_("For example: adults, from supplements only."),
    )
    # Where the table stands in the text: in `section`, after its paragraph number
    # `after_paragraph`, counted from 1 over the section's top-level paragraphs (<p>; 0 puts it
    # before the text, empty at its end), as the page (site/outline.py), the importer and the
    # Markdown export count them. Without a section it is shown after the article's sections.
    section = models.ForeignKey(
        "Section",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rda_tables",
        verbose_name=_("shown in section"),
        help_text=_("The section whose text introduces the table; empty: after the last section."),
    )
    after_paragraph = models.PositiveIntegerField(
        _("after paragraph"),
        null=True,
        blank=True,
        help_text=_(
            "Shown after this paragraph of the section's text (1 is the first); "
            "empty: at the end of the section."
        ),
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("RDA table")
        verbose_name_plural = _("RDA tables")
        constraints = [
            models.CheckConstraint(
                condition=Q(upper_limit__isnull=True) | Q(upper_limit__gt=0),
                name="rdatable_upper_limit_positive",
                violation_error_message=_("The upper limit must be above zero."),
            )
        ]

    def __str__(self):
        return _("Recommended intakes for %(nutrient)s") % {"nutrient": self.nutrient}

    def clean(self):
        super().clean()
        if self.upper_limit_applies_to and self.upper_limit is None:
            raise ValidationError({"upper_limit": _("Enter the upper limit this note applies to.")})
        if self.section_id and self.article_id and self.section.article_id != self.article_id:
            raise ValidationError({"section": _("Choose a section of this article.")})
        if self.after_paragraph and not self.section_id:
            raise ValidationError(
                {"after_paragraph": _("Choose the section the paragraph belongs to.")}
            )


class RDARow(models.Model):
    class LifeStage(models.TextChoices):
        INFANTS = "infants", _("Infants")
        CHILDREN = "children", _("Children")
        MEN = "men", _("Men")
        WOMEN = "women", _("Women")
        PREGNANCY = "pregnancy", _("Pregnancy")
        LACTATION = "lactation", _("Lactation")

    class AgeUnit(models.TextChoices):
        YEARS = "years", _("years")
        MONTHS = "months", _("months")

    class IntakeType(models.TextChoices):
        RDA = "rda", _("RDA")
        ADEQUATE_INTAKE = "ai", _("Adequate Intake")

    table = models.ForeignKey(
        RDATable, on_delete=models.CASCADE, related_name="rows", verbose_name=_("table")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    life_stage = models.CharField(_("life stage"), max_length=12, choices=LifeStage.choices)
    age_from = models.PositiveSmallIntegerField(_("age from"))
    age_to = models.PositiveSmallIntegerField(
        _("age to"), null=True, blank=True, help_text=_("Empty means “and older”.")
    )
    age_unit = models.CharField(
        _("age unit"), max_length=6, choices=AgeUnit.choices, default=AgeUnit.YEARS
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), _("The amount must be above zero."))],
    )
    intake_type = models.CharField(
        _("kind"), max_length=3, choices=IntakeType.choices, default=IntakeType.RDA
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("RDA row")
        verbose_name_plural = _("RDA rows")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="rdarow_amount_positive",
                violation_error_message=_("The amount must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(age_to__isnull=True) | Q(age_to__gte=models.F("age_from")),
                name="rdarow_age_band_ordered",
                violation_error_message=_("“Age to” must not be below “age from”."),
            ),
        ]

    def __str__(self):
        return f"{self.get_life_stage_display()} {self.age_band}"

    @property
    def age_band(self):
        """“19–30 years”, “31 years and older”, “7–12 months”."""
        unit = self.get_age_unit_display()
        if self.age_to is None:
            return _("%(start)s %(unit)s and older") % {"start": self.age_from, "unit": unit}
        return f"{self.age_from}–{self.age_to} {unit}"

    def age_range_in_months(self):
        """The band as a half-open interval [start, end) in months; end None means no limit.

        A band in years covers whole years ("19–30" runs to the 31st birthday). A band in
        months ends at its last month, as in the NIH tables, where "7–12 months" ends at the
        first birthday and "1–3 years" starts there.
        """
        if self.age_unit == self.AgeUnit.YEARS:
            start = self.age_from * 12
            end = None if self.age_to is None else (self.age_to + 1) * 12
        else:
            start = self.age_from
            end = None if self.age_to is None else max(self.age_to, self.age_from + 1)
        return start, end

    def overlaps(self, other):
        """True when both rows are for the same life stage and their age bands share an age."""
        if self.life_stage != other.life_stage:
            return False
        start, end = self.age_range_in_months()
        other_start, other_end = other.age_range_in_months()
        return (end is None or other_start < end) and (other_end is None or start < other_end)

    def clean(self):
        super().clean()
        if self.age_to is not None and self.age_from is not None and self.age_to < self.age_from:
            raise ValidationError({"age_to": _("“Age to” must not be below “age from”.")})


def find_overlapping_rows(rows):
    """Return the first pair of rows whose life stage and age band overlap, or None."""
    rows = list(rows)
    for index, row in enumerate(rows):
        for other in rows[index + 1 :]:
            if row.overlaps(other):
                return row, other
    return None


def overlap_message(row, other):
    return _(
        "Two rows for %(stage)s cover the same ages (%(first)s and %(second)s). "
        "Change one age band so each age has one value."
    ) % {"stage": row.get_life_stage_display(), "first": row.age_band, "second": other.age_band}


class RelatedArticle(models.Model):
    """An editor-chosen "You may also like" link, in the order the editor set."""

    article = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="related_links", verbose_name=_("article")
    )
    related = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="+", verbose_name=_("related article")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("related article")
        verbose_name_plural = _("you may also like")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "related"],
                name="related_article_once",
                violation_error_message=_("That article is already in the list."),
            ),
            models.CheckConstraint(
                condition=~Q(article=models.F("related")),
                name="related_article_not_itself",
                violation_error_message=_("An article cannot be related to itself."),
            ),
        ]

    def __str__(self):
        return str(self.related)

    def clean(self):
        super().clean()
        if self.article_id and self.article_id == self.related_id:
            raise ValidationError({"related": _("An article cannot be related to itself.")})


class PendingRelatedTitle(models.Model):
    """A "You may also like" title of an article that is not on the site yet. It is kept (and
    shown to editors, and written back in the Markdown export) until an article with that title
    is published, which turns it into a `RelatedArticle` (`articles.services.link_pending`)."""

    article = models.ForeignKey(
        "Article",
        on_delete=models.CASCADE,
        related_name="pending_related",
        verbose_name=_("article"),
    )
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Its place in the article's “You may also like”.")
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("pending related title")
        verbose_name_plural = _("pending “you may also like” titles")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "title"],
                name="pending_related_title_once",
                violation_error_message=_("That title is already waiting in the list."),
            )
        ]

    def __str__(self):
        return self.title


class Citation(models.Model):
    article = models.ForeignKey(
        "Article",
        on_delete=models.CASCADE,
        related_name="citations",
        verbose_name=_("article"),
    )
    reference = models.ForeignKey(
        "references.Reference",
        on_delete=models.PROTECT,
        related_name="citations",
        verbose_name=_("reference"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reference"],
                name="citation_once_per_article",
                violation_error_message=_("This article already cites that reference."),
            )
        ]

    def __str__(self):
        return f"{self.article} → {self.reference}"
