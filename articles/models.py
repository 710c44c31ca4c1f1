"""
The content model of an evidence-first health article.

An `Article` holds ordered `Section`s (level 2 sections with level 3 sub-sections under them),
each with ordered `Study` records: every figure shown to readers (a call-out such as "reduced
IL-6 and CRP by 20-30%" or a statistic in the running text) names its journal, authors and year.
`RDATable`/`RDARow` hold dietary reference intakes shaped like the NIH Office of Dietary
Supplements tables. `Disclaimer`s are reusable blocks; `RelatedArticle` orders the "You may also
like" links. References and their numbering live in the `references` app.
"""

import calendar
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from hslhealing.richtext import RichTextField
from references.models import NEEDS_ATTENTION, Citation

from .validators import hero_image_path, validate_hero_image

WORDS_PER_MINUTE = 230
_TAG = re.compile(r"<[^>]*>")


def count_words(text, html=""):
    """Words in plain `text` and in `html` (tags count as spaces, so paragraphs don't merge)."""
    count = len(text.split()) if text else 0
    if html:
        count += len(_TAG.sub(" ", html).split())
    return count


class CategoryQuerySet(models.QuerySet):
    def with_published_articles(self):
        """Categories with at least one article readers can see (the site navigation)."""
        return self.filter(
            models.Exists(Article.objects.published().filter(category=models.OuterRef("pk")))
        )


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})


class Contributor(models.Model):
    """A person named on an article: its author or its medical reviewer."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    credentials = models.CharField(
        _("credentials"), max_length=100, blank=True, help_text=_("For example: MD, RDN, PhD.")
    )
    bio = models.TextField(_("short biography"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class DisclaimerQuerySet(models.QuerySet):
    def defaults(self):
        """The disclaimers every new article starts with."""
        return self.filter(is_default=True)


class Disclaimer(models.Model):
    """A reusable block shown at the end of articles, such as the FDA supplement statement."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("For editors only, never shown.")
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("Shown in bold before it."))
    body = RichTextField(_("text"))
    is_default = models.BooleanField(
        _("attach to new articles"),
        default=False,
        help_text=_("New articles start with this disclaimer; editors can remove it."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = DisclaimerQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("disclaimer")
        verbose_name_plural = _("disclaimers")

    def __str__(self):
        return self.name


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles readers can see: published, and their publish time has come."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=timezone.now())

    def scheduled(self):
        """Published articles waiting for their publish time."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__gt=timezone.now())

    def for_listing(self):
        """What a list of articles shows (title, standfirst, category, author, dates), in one
        query, without the search vector nobody reads."""
        return self.select_related("category", "author").defer("search_vector")

    def for_page(self):
        """The article row of an article page, with its category and people, in one query."""
        return self.select_related("category", "author", "medical_reviewer").defer("search_vector")

    def update_word_counts(self):
        """Store the word count of each article in the queryset (`Article.words_in`). Called
        when an article, a section or a study is saved or deleted (signals.py)."""
        articles = self.only("pk", "standfirst").prefetch_related(
            models.Prefetch(
                "sections",
                queryset=Section.objects.only("article_id", "heading", "body").prefetch_related(
                    models.Prefetch("studies", queryset=Study.objects.only("section_id", "finding"))
                ),
            )
        )
        for article in articles:
            words = article.words_in(article.sections.all())
            Article.objects.filter(pk=article.pk).update(word_count=words)

    def with_counts(self):
        """Annotate the counts that lists show, in the same query."""
        return self.annotate(
            reference_count=models.Count("citations", distinct=True),
            section_count=models.Count("sections", distinct=True),
        )

    def due_for_review(self):
        """Articles never medically reviewed, or reviewed more than REVIEW_DUE_MONTHS ago."""
        return self.filter(_review_due_q())

    def reviewed_recently(self):
        """Articles whose medical review is recent enough: the opposite of due_for_review()."""
        return self.filter(reviewed_on__gte=review_due_before())

    def for_export(self):
        """Annotate what an export row needs besides the article's own columns.

        Every count is a correlated subquery rather than a join, so counting sections, studies
        and citations together does not multiply rows. See articles/exports.py.
        """
        citations = Citation.objects.all()
        return self.annotate(
            section_count=_count_per_article(Section.objects.all()),
            study_count=_count_per_article(Study.objects.all(), "section__article"),
            reference_count=_count_per_article(citations),
            related_count=_count_per_article(RelatedArticle.objects.all()),
            broken_reference_count=_count_per_article(
                citations.filter(reference__link_status__in=NEEDS_ATTENTION)
            ),
            review_due=models.Case(
                models.When(_review_due_q(), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            ),
        )


def review_due_before(today=None):
    """The date a medical review must be on or after not to be due (REVIEW_DUE_MONTHS ago)."""
    today = today or timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - settings.REVIEW_DUE_MONTHS, 12)
    month += 1
    return today.replace(
        year=year, month=month, day=min(today.day, calendar.monthrange(year, month)[1])
    )


def _review_due_q():
    return Q(reviewed_on__isnull=True) | Q(reviewed_on__lt=review_due_before())


def _count_per_article(queryset, article_field="article"):
    """A subquery counting the rows of `queryset` that belong to the outer article.

    `SELECT COUNT(*) ... WHERE article_id = outer.id`, without GROUP BY: one row, 0 if none.
    """
    counts = (
        queryset.filter(**{article_field: models.OuterRef("pk")})
        .order_by()
        .annotate(count=models.Func(models.Value(1), function="COUNT"))
        .values("count")
    )
    return models.Subquery(counts, output_field=models.IntegerField())


def page_content_prefetches():
    """What an article page shows besides the article row: its tags, sections with their studies,
    intake tables with their rows, citations, live related articles and disclaimers."""
    live_related = (
        RelatedArticle.objects.filter(
            related__status=Article.Status.PUBLISHED, related__publish_at__lte=timezone.now()
        )
        .select_related("related")
        .defer("related__search_vector")
    )
    return [
        "tags",
        models.Prefetch(
            "sections",
            queryset=Section.objects.prefetch_related(
                models.Prefetch("studies", queryset=Study.objects.select_related("reference"))
            ),
        ),
        models.Prefetch("rda_tables", queryset=RDATable.objects.prefetch_related("rows")),
        models.Prefetch("citations", queryset=Citation.objects.select_related("reference")),
        models.Prefetch("related_links", queryset=live_related),
        "disclaimers",
    ]


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=200, unique=True, help_text=_("The last part of the article's URL.")
    )
    standfirst = models.TextField(
        _("standfirst"), help_text=_("One or two sentences under the title that say what it is.")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    hero_image = models.ImageField(
        _("hero image"),
        upload_to=hero_image_path,
        blank=True,
        validators=[validate_hero_image],
        help_text=_("JPEG, PNG or WebP; at most 5 MB."),
    )
    hero_image_alt = models.CharField(
        _("hero image description"),
        max_length=250,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it. Required with an image."),
    )
    author = models.ForeignKey(
        Contributor,
        on_delete=models.PROTECT,
        related_name="articles_written",
        verbose_name=_("author"),
    )
    medical_reviewer = models.ForeignKey(
        Contributor,
        on_delete=models.PROTECT,
        related_name="articles_reviewed",
        null=True,
        blank=True,
        verbose_name=_("medical reviewer"),
    )
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_(
            "When a published article goes live. A future time schedules it; "
            "left empty, publishing sets it to now."
        ),
    )
    featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown first on the home page.")
    )
    attribution = models.CharField(
        _("attribution line"),
        max_length=300,
        blank=True,
        help_text=_("For example: “… is an original (HSLHealing) article.”"),
    )
    meta_description = models.CharField(
        _("meta description"),
        max_length=160,
        blank=True,
        help_text=_(
            "What search engines show under the title; left empty, the standfirst is used."
        ),
    )
    disclaimers = models.ManyToManyField(
        Disclaimer, blank=True, related_name="articles", verbose_name=_("disclaimers")
    )
    related_articles = models.ManyToManyField(
        "self",
        through="RelatedArticle",
        through_fields=("article", "related"),
        symmetrical=False,
        blank=True,
        related_name="+",
        verbose_name=_("you may also like"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Kept up to date by articles.search.update_search_vector (PostgreSQL only; NULL on SQLite).
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)
    word_count = models.PositiveIntegerField(
        _("word count"),
        default=0,
        editable=False,
        help_text=_("Words in the standfirst, sections and study findings, kept up to date."),
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-created_at"]
        get_latest_by = "publish_at"
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [
            ("export_article", _("Can export articles")),
            ("review_article", _("Can record a medical review")),
            ("publish_article", _("Can publish, schedule, unpublish and archive articles")),
        ]
        indexes = [models.Index(fields=["status", "-publish_at"], name="article_status_publish")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_publish_at",
                violation_error_message=_("A published article needs a publish time."),
            ),
            models.CheckConstraint(
                condition=Q(hero_image="") | ~Q(hero_image_alt=""),
                name="article_hero_image_has_alt",
                violation_error_message=_("Describe the hero image for readers who cannot see it."),
            ),
            models.CheckConstraint(
                condition=Q(medical_reviewer__isnull=True, reviewed_on__isnull=True)
                | Q(medical_reviewer__isnull=False, reviewed_on__isnull=False),
                name="article_review_has_reviewer_and_date",
                violation_error_message=_("A medical review needs both the reviewer and the date."),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self._default_publish_at()
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            stored = self._stored_address(using)
            super().save(*args, **kwargs)
            self._record_slug_change(stored)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The stored slug and status, so save() can tell when a public address changes.
        loaded = dict(zip(field_names, values, strict=True))
        if "slug" in loaded and "status" in loaded:
            instance._stored = {"slug": loaded["slug"], "status": loaded["status"]}
        return instance

    def _stored_address(self, using):
        """The slug and status the database holds for this article before it is saved:
        remembered when it was loaded, read when it was built another way (a restored
        version), nothing for a new article."""
        if hasattr(self, "_stored"):
            return self._stored
        if self.pk is None:
            return {}
        stored = Article.objects.using(using).filter(pk=self.pk).values("slug", "status")
        return stored.first() or {}

    def _record_slug_change(self, stored):
        """Keep the old address of a published article working after its slug changes.

        The old slug points at the article, not at the new slug, so a chain of renames always
        lands on the current address; taking back an old slug retires its redirect.
        """
        old_slug = stored.get("slug")
        if old_slug != self.slug:
            if old_slug and stored.get("status") == self.Status.PUBLISHED:
                ArticleRedirect.objects.update_or_create(
                    old_slug=old_slug, defaults={"article": self}
                )
            ArticleRedirect.objects.filter(old_slug=self.slug).delete()
        self._stored = {"slug": self.slug, "status": self.status}

    def clean(self):
        super().clean()
        errors = {}
        if self.hero_image and not self.hero_image_alt.strip():
            errors["hero_image_alt"] = _(
                "Describe the hero image for readers who cannot see it (for example: “Capsules "
                "of magnesium glycinate on a wooden spoon”)."
            )
        if self.medical_reviewer_id and not self.reviewed_on:
            errors["reviewed_on"] = _("Enter the date of the medical review.")
        if self.reviewed_on and not self.medical_reviewer_id:
            errors["medical_reviewer"] = _("Choose who carried out the medical review.")
        if self.reviewed_on and self.reviewed_on > timezone.localdate():
            errors["reviewed_on"] = _("A review date cannot be in the future.")
        if errors:
            raise ValidationError(errors)
        self._default_publish_at()

    def _default_publish_at(self):
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()

    @property
    def is_live(self):
        """True when readers can see the article now."""
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    def reference_numbers(self):
        """Map each cited reference's id to the number readers see (1, 2, 3 …)."""
        return {
            citation.reference_id: number
            for number, citation in enumerate(self.citations.all(), start=1)
        }

    def get_meta_description(self):
        return self.meta_description or Truncator(strip_tags(self.standfirst)).chars(160)

    def words_in(self, sections):
        """Words in the standfirst and the given sections (headings, bodies, study findings)."""
        words = count_words(self.standfirst)
        for section in sections:
            words += count_words(section.heading, section.body)
            words += sum(count_words(study.finding) for study in section.studies.all())
        return words

    @property
    def reading_minutes(self):
        return max(1, round(self.word_count / WORDS_PER_MINUTE))


class Section(models.Model):
    class Level(models.IntegerChoices):
        SECTION = 2, _("Section")
        SUBSECTION = 3, _("Sub-section")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="sections", verbose_name=_("article")
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

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("study")
        verbose_name_plural = _("studies")

    def __str__(self):
        return self.citation_text

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
        Article, on_delete=models.CASCADE, related_name="rda_tables", verbose_name=_("article")
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
        Article, on_delete=models.CASCADE, related_name="related_links", verbose_name=_("article")
    )
    related = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", verbose_name=_("related article")
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


class ArticleRedirect(models.Model):
    """An old address of a published article, answered with a permanent redirect."""

    old_slug = models.SlugField(_("old slug"), max_length=200, unique=True)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="redirects", verbose_name=_("article")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]
        verbose_name = _("old article address")
        verbose_name_plural = _("old article addresses")

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"
