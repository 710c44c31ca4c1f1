"""
What articles share: the categories and tags they are filed under, the people named on them
(authors and medical reviewers), the reusable disclaimers shown at their end and the site pages
they link to (the editorial policy).
"""

from django.db import models, router, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hslhealing.richtext import RichTextField

from .. import renditions
from ..validators import validate_hero_image


class CategoryQuerySet(models.QuerySet):
    def with_published_articles(self):
        """Categories with at least one article readers can see (the site navigation)."""
        articles = self.model._meta.get_field("articles").related_model.objects
        return self.filter(
            models.Exists(articles.published().filter(category=models.OuterRef("pk")))
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


class ContributorQuerySet(models.QuerySet):
    def named_on_published_articles(self):
        """People who wrote or medically reviewed an article readers can see (the sitemap).

        Asked as "when did the latest such article go live", one step down the index on
        (author, status, publish time) or (reviewer, …) per contributor (Article.Meta.indexes),
        so the cost does not grow with the articles. Two EXISTS joined by OR read the same, but
        PostgreSQL cannot use an index for them: it scans every article instead.
        """
        articles = self.model._meta.get_field("articles_written").related_model.objects.published()

        def latest_publish_as(role):
            named = articles.filter(**{role: models.OuterRef("pk")}).order_by("-publish_at")
            return models.Subquery(named.values("publish_at")[:1])

        return self.alias(
            latest_written=latest_publish_as("author"),
            latest_reviewed=latest_publish_as("medical_reviewer"),
        ).filter(models.Q(latest_written__isnull=False) | models.Q(latest_reviewed__isnull=False))


class Contributor(models.Model):
    """A person named on an article: its author or its medical reviewer."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    credentials = models.CharField(
        _("credentials"), max_length=100, blank=True, help_text=_("For example: MD, RDN, PhD.")
    )
    bio = models.TextField(_("short biography"), blank=True)
    photo = models.ImageField(
        _("photo"),
        upload_to="contributors/",
        blank=True,
        validators=[validate_hero_image],
        help_text=_("Optional. A portrait, shown on the contributor's page."),
    )
    photo_renditions = models.JSONField(
        _("photo renditions"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("The sizes and formats made of the photo when it was saved."),
    )

    objects = ContributorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            update_fields = kwargs.get("update_fields")
            if update_fields is None or "photo" in update_fields:
                self.make_photo_renditions()

    def get_absolute_url(self):
        return reverse("articles:contributor", kwargs={"slug": self.slug})

    def make_photo_renditions(self, *, force=False):
        """Make the photo's renditions if they are not made yet (or again, with `force`); True
        when it made or cleared some. Called on save and by `manage.py make_renditions`."""
        return renditions.refresh(
            self,
            image_field="photo",
            manifest_field="photo_renditions",
            widths=renditions.PHOTO_WIDTHS,
            force=force,
        )

    @property
    def portrait(self):
        """The photo's renditions (`renditions.Renditions`), or None before they are made."""
        return renditions.Renditions.of(self.photo, self.photo_renditions)


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


class SitePage(models.Model):
    """A page of the site that is not an article, such as the editorial policy.

    Editors change it in the admin; articles link to the editorial policy by its slug.
    """

    EDITORIAL_POLICY = "editorial-policy"

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_(
            "Its address: /pages/<slug>/. The page “editorial-policy” is the one every article "
            "links to, at /editorial-policy/."
        ),
    )
    body = RichTextField(_("text"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.slug == self.EDITORIAL_POLICY:
            return reverse("articles:editorial-policy")
        return reverse("articles:page", kwargs={"slug": self.slug})
