"""
The article: its workflow status, people, dates and the queries that lists, pages and exports
run over articles (`Article.objects.published()` …). Its parts are in `parts.py`.

It runs past 500 lines because the article is the centre of every list, page and export: each
of their queries is a named QuerySet method here (STYLE: fat models, thin views), each short.
"""

import calendar
import hashlib
import re

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from references.models import NEEDS_ATTENTION, NoticeStatus

from .. import renditions
from ..validators import hero_image_path, validate_hero_image
from .evidence import SourceCheck
from .parts import Citation, RelatedArticle, Section, Study
from .shared import Category, Contributor, Disclaimer, Tag

WORDS_PER_MINUTE = 230
_TAG = re.compile(r"<[^>]*>")
#: The PostgreSQL text search configuration of the stored vector and of queries (site/search.py).
SEARCH_CONFIG = "english"


def count_words(text, html=""):
    """Words in plain `text` and in `html` (tags count as spaces, so paragraphs don't merge)."""
    count = len(text.split()) if text else 0
    if html:
        count += len(_TAG.sub(" ", html).split())
    return count


def text_fingerprint(standfirst, sections):
    """A hash of an article's words (standfirst, then each (heading, body HTML) in `sections`),
    blind to markup, case, punctuation and spacing: two articles with the same text have the
    same fingerprint, which an import looks up to find one already on the site."""
    parts = [standfirst, *(f"{heading} {_TAG.sub(' ', body)}" for heading, body in sections)]
    words = re.findall(r"\w+", " ".join(parts).casefold())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def section_text():
    """The headings and bodies of the outer article's sections, in order, without HTML tags
    (PostgreSQL): what the search vector indexes with weight C, and what snippets quote."""
    text = (
        Section.objects.filter(article=models.OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(
            text=StringAgg(
                Concat("heading", models.Value(" "), "body", output_field=models.TextField()),
                delimiter=" ",
                order_by=("position", "pk"),
            )
        )
        .values("text")
    )
    return models.Func(
        models.Subquery(text, output_field=models.TextField()),
        models.Value("<[^>]*>"),
        models.Value(" "),
        models.Value("g"),
        function="regexp_replace",
        output_field=models.TextField(),
    )


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

    def update_derived_text(self):
        """Store the word count and the search vector of each article in the queryset from
        its current text. Called once per changed article when a transaction commits
        (derived.py), however many of its parts changed."""
        self.update_word_counts()
        self.update_search_vectors()

    def update_search_vectors(self):
        """Store each article's search vector: its title weighted A, its standfirst B and its
        sections' text C, in one UPDATE (PostgreSQL only; elsewhere there is no vector)."""
        if connections[router.db_for_write(Article)].vendor != "postgresql":
            return
        self.update(
            search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("standfirst", weight="B", config=SEARCH_CONFIG)
            + SearchVector(section_text(), weight="C", config=SEARCH_CONFIG)
        )

    def update_word_counts(self):
        """Store the word count of each article in the queryset (`Article.words_in`), and the
        fingerprint of its text (`text_fingerprint`). Called when an article, a section or a
        study is saved or deleted (signals.py)."""
        articles = self.only("pk", "standfirst").prefetch_related(
            models.Prefetch(
                "sections",
                queryset=Section.objects.only("article_id", "heading", "body").prefetch_related(
                    models.Prefetch("studies", queryset=Study.objects.only("section_id", "finding"))
                ),
            )
        )
        for article in articles:
            sections = article.sections.all()
            Article.objects.filter(pk=article.pk).update(
                word_count=article.words_in(sections),
                text_fingerprint=text_fingerprint(
                    article.standfirst, [(s.heading, s.body) for s in sections]
                ),
            )

    def with_counts(self):
        """Annotate the counts that lists show, in the same query."""
        return self.annotate(
            reference_count=models.Count("citations", distinct=True),
            section_count=models.Count("sections", distinct=True),
        )

    def with_reference_count(self):
        """Annotate `reference_count`, the article's citations, as a subquery per row: a list
        page counts for its own rows only, where a join would count for every article."""
        return self.annotate(reference_count=_count_per_article(Citation.objects.all()))

    def due_for_review(self):
        """Articles never medically reviewed, or reviewed more than REVIEW_DUE_MONTHS ago."""
        return self.filter(_review_due_q())

    def review_out_of_date(self):
        """Articles whose recorded medical review no longer covers what readers see: the
        content changed after it was recorded (articles/editing/review.py)."""
        return self.filter(review_out_of_date=True)

    def reviewed_recently(self):
        """Articles whose medical review is recent enough: the opposite of due_for_review()."""
        return self.filter(reviewed_on__gte=review_due_before())

    def with_evidence(self):
        """Annotate each article's evidence summary: `figure_count` (its studies),
        `linked_figure_count` and `unlinked_figure_count` (with and without a reference),
        `disagreement_count` (studies whose journal, first author or year differ from their
        reference's record) and `retracted_source_count` (cited references retracted). One
        correlated subquery each, so a list of any length takes the same number of queries."""
        studies = Study.objects.all()
        return self.annotate(
            figure_count=_count_per_article(studies, "section__article"),
            linked_figure_count=_count_per_article(
                studies.filter(reference__isnull=False), "section__article"
            ),
            unlinked_figure_count=_count_per_article(
                studies.filter(reference__isnull=True), "section__article"
            ),
            disagreement_count=_count_per_article(
                studies.filter(source_check=SourceCheck.DISAGREES), "section__article"
            ),
            retracted_source_count=_count_per_article(
                Citation.objects.filter(reference__notice_status=NoticeStatus.RETRACTED)
            ),
        )

    def citing_retracted(self):
        """Articles citing at least one retracted paper."""
        return self.filter(
            models.Exists(
                Citation.objects.filter(
                    article=models.OuterRef("pk"), reference__notice_status=NoticeStatus.RETRACTED
                )
            )
        )

    def with_unlinked_figures(self):
        """Articles with at least one figure (study) not linked to a reference."""
        return self.filter(
            models.Exists(
                Study.objects.filter(section__article=models.OuterRef("pk"), reference__isnull=True)
            )
        )

    def for_export(self):
        """Annotate what an export row needs besides the article's own columns, the evidence
        summary (`with_evidence`) included.

        Every count is a correlated subquery rather than a join, so counting sections, studies
        and citations together does not multiply rows. See articles/exports.py.
        """
        citations = Citation.objects.all()
        return self.with_evidence().annotate(
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
    hero_renditions = models.JSONField(
        _("hero image renditions"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("The sizes and formats made of the hero image when it was saved."),
    )
    author = models.ForeignKey(
        Contributor,
        on_delete=models.PROTECT,
        related_name="articles_written",
        null=True,
        blank=True,
        db_index=False,  # served by the index "article_author_publish" (Meta.indexes)
        verbose_name=_("author"),
        help_text=_(
            "The person who wrote it. Leave empty when no one is named: the article is then "
            "signed by the publisher (an organisation), never by someone who did not write it."
        ),
    )
    medical_reviewer = models.ForeignKey(
        Contributor,
        on_delete=models.PROTECT,
        related_name="articles_reviewed",
        null=True,
        blank=True,
        db_index=False,  # served by the index "article_reviewer_publish" (Meta.indexes)
        verbose_name=_("medical reviewer"),
    )
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    # What the recorded review covered (articles/editing/review.py): a fingerprint of what
    # readers see, taken when the review was recorded; empty for a review recorded before
    # reviews kept one. `review_out_of_date` is kept up to date by signals, for lists.
    reviewed_content = models.CharField(
        _("content the review covered"), max_length=64, blank=True, editable=False
    )
    review_out_of_date = models.BooleanField(
        _("review out of date"),
        default=False,
        editable=False,
        help_text=_("What readers see changed after the medical review was recorded."),
    )
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
    # Kept up to date by update_search_vectors (PostgreSQL only; NULL on SQLite).
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)
    word_count = models.PositiveIntegerField(
        _("word count"),
        default=0,
        editable=False,
        help_text=_("Words in the standfirst, sections and study findings, kept up to date."),
    )
    text_fingerprint = models.CharField(
        _("text fingerprint"),
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("A hash of the article's words, to find the same text imported again."),
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
        # The orders and filters of the reader's lists and the admin's changelist
        # (articles/migrations/0016_list_indexes.py).
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="article_status_publish"),
            models.Index(fields=["-publish_at", "-created_at"], name="article_publish_created"),
            models.Index(
                fields=["category", "status", "-publish_at"], name="article_category_publish"
            ),
            models.Index(
                fields=["-publish_at"],
                condition=Q(featured=True),
                name="article_featured_publish",
            ),
            models.Index(fields=["title"], name="article_title"),
            # Case-insensitive title look-ups (`title__iexact`, imports) use UPPER().
            models.Index(Upper("title"), name="article_title_upper"),
            models.Index(fields=["reviewed_on"], name="article_reviewed_on"),
            models.Index(fields=["updated_at"], name="article_updated_at"),
            # A contributor's published articles, newest first: their page, and whether they
            # are named on any (the sitemap), without reading the rest
            # (articles/migrations/0018_flat_tag_counts_and_contributor_indexes.py).
            models.Index(fields=["author", "status", "-publish_at"], name="article_author_publish"),
            models.Index(
                fields=["medical_reviewer", "status", "-publish_at"],
                name="article_reviewer_publish",
            ),
            # Whether an article reached from elsewhere (a tag) is published, read from the
            # index alone: a tag's count of articles looks up each of them by id.
            models.Index(fields=["id", "status", "publish_at"], name="article_id_published"),
        ]
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
            update_fields = kwargs.get("update_fields")
            if update_fields is None or "hero_image" in update_fields:
                self.make_hero_renditions()

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

    @property
    def byline(self):
        """Who signs the article: its author, or the publisher when no person is named."""
        return self.author.name if self.author_id else settings.PUBLISHER_NAME

    @property
    def signed_by_publisher(self):
        """True when no person is named and the publisher (an organisation) signs it."""
        return self.author_id is None

    def make_hero_renditions(self, *, force=False):
        """Make the hero image's renditions if they are not made yet (or again, with `force`);
        True when it made or cleared some. Called on save and by `manage.py make_renditions`."""
        return renditions.refresh(
            self,
            image_field="hero_image",
            manifest_field="hero_renditions",
            widths=renditions.HERO_WIDTHS,
            open_graph=True,
            force=force,
        )

    @property
    def hero(self):
        """The hero image's renditions (`renditions.Renditions`), or None before they are made."""
        return renditions.Renditions.of(self.hero_image, self.hero_renditions)

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
