"""
The library of references.

A `Reference` is one source (a paper, a book chapter, a web page), kept once in a library shared
by whatever cites it (in this project, articles: `articles.models.Citation`). This app knows
nothing of what points at a reference: counts and merges go through Django's reverse relations.

A reference carries the identifiers its address states (filled on save, see `identifiers.py`),
is written out in Vancouver (NLM) style (`citation_parts`), and records where its link led when
last checked (`link_status` …, see `linkcheck.py`).
"""

import datetime
from typing import NamedTuple
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _

from .identifiers import identifiers_from_url
from .normalize import normalize_url, site_name

#: The identifiers a reference can carry, in the order Vancouver (NLM) style lists them after
#: the address: (field, label, link to the record).
IDENTIFIERS = [
    ("doi", "doi", "https://doi.org/{}"),
    ("pmid", "PMID", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    ("pmcid", "PMCID", "https://pmc.ncbi.nlm.nih.gov/articles/{}/"),
    ("bookshelf_id", "Bookshelf ID", "https://www.ncbi.nlm.nih.gov/books/{}/"),
]
IDENTIFIER_FIELDS = [field for field, _label, _link in IDENTIFIERS]


class CitationPart(NamedTuple):
    """A run of a formatted reference: plain text, text linked to `url`, or a `date`."""

    text: str
    url: str = ""
    date: datetime.date | None = None


class ReferenceQuerySet(models.QuerySet):
    def with_use_counts(self):
        """Annotate `use_count`: the rows of other models pointing at each reference (an
        article's citation, a study naming it …), one correlated subquery per relation."""
        counts = [
            models.Subquery(
                relation.related_model._default_manager.filter(
                    **{relation.field.name: models.OuterRef("pk")}
                )
                .order_by()
                .annotate(count=models.Func(models.Value(1), function="COUNT"))
                .values("count"),
                output_field=models.IntegerField(),
            )
            for relation in referring_relations()
        ]
        total = sum(counts[1:], counts[0]) if counts else models.Value(0)
        return self.annotate(use_count=total)

    def needing_attention(self):
        """References whose link was last found broken or unreachable."""
        return self.filter(link_status__in=NEEDS_ATTENTION)

    def due_for_check(self, stale_days=None):
        """References whose link was never checked, or (given `stale_days`) not checked in that
        many days; the longest unchecked first."""
        references = self
        if stale_days is not None:
            since = timezone.now() - datetime.timedelta(days=stale_days)
            references = self.filter(
                models.Q(checked_at__isnull=True) | models.Q(checked_at__lt=since)
            )
        return references.order_by(models.F("checked_at").asc(nulls_first=True), "pk")

    def duplicate_groups(self):
        """References that look like one source entered more than once: a list of groups (lists
        of references, oldest first), found across the whole library and linked when they share
        a normalised URL, a DOI, a PubMed ID, a PMC ID or a Bookshelf ID."""
        groups = _duplicate_pk_groups()
        found = self.in_bulk([pk for group in groups for pk in group])
        groups = [[found[pk] for pk in group if pk in found] for group in groups]
        return [group for group in groups if len(group) > 1]

    def possible_duplicates(self):
        """The references that belong to a group of duplicates."""
        return self.filter(pk__in=[pk for group in _duplicate_pk_groups() for pk in group])


def duplicate_keys(url, identifiers):
    """What two references for different sources never share: the normalised URL, and each
    identifier compared without regard to case (DOIs are case-insensitive)."""
    keys = {("url", normalize_url(url))}
    keys.update((field, value.strip().upper()) for field, value in identifiers.items() if value)
    return keys


def _duplicate_pk_groups():
    """Primary keys of references sharing a key (see `duplicate_keys`), grouped
    transitively (A shares a DOI with B, B an address with C: one group), each sorted."""
    parent = {}

    def root(pk):
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    owner = {}  # key -> the first reference seen with it
    rows = Reference.objects.values_list("pk", "url", *IDENTIFIER_FIELDS).order_by("pk")
    for pk, url, *identifiers in rows:
        parent[pk] = pk
        for key in duplicate_keys(url, dict(zip(IDENTIFIER_FIELDS, identifiers, strict=True))):
            if key in owner:
                parent[root(pk)] = root(owner[key])
            else:
                owner[key] = pk
    groups = {}
    for pk in parent:
        groups.setdefault(root(pk), []).append(pk)
    return sorted(group for group in groups.values() if len(group) > 1)


def referring_relations():
    """The foreign keys of other models (many-to-many tables included) that point at
    `Reference`, as Django's reverse relations."""
    return [
        field
        for field in Reference._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


class LinkStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked yet")
    OK = "ok", _("OK")
    REDIRECTED = "redirected", _("Redirected")
    BROKEN = "broken", _("Broken")
    UNREACHABLE = "unreachable", _("Unreachable")


#: Statuses that mean readers following the link will not reach the source.
NEEDS_ATTENTION = [LinkStatus.BROKEN, LinkStatus.UNREACHABLE]


class Reference(models.Model):
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("URL"), max_length=1000)
    normalized_url = models.CharField(
        _("normalised URL"), max_length=1000, unique=True, editable=False
    )
    site = models.CharField(
        _("publisher or site"),
        max_length=200,
        blank=True,
        help_text=_("Left empty, the site's address is used (e.g. pubmed.ncbi.nlm.nih.gov)."),
    )
    retrieved_on = models.DateField(
        _("retrieved on"), null=True, blank=True, help_text=_("When the source was last read.")
    )
    doi = models.CharField(
        _("DOI"),
        max_length=200,
        blank=True,
        validators=[
            RegexValidator(r"^10\.\d{4,9}/\S+$", _("A DOI looks like 10.3390/nu13020463."))
        ],
    )
    pmid = models.CharField(
        _("PubMed ID"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{1,9}$", _("A PubMed ID is a number, e.g. 20388094."))],
    )
    pmcid = models.CharField(
        _("PubMed Central ID"),
        max_length=16,
        blank=True,
        validators=[RegexValidator(r"^PMC\d{1,9}$", _("A PMC ID looks like PMC4321727."))],
    )
    bookshelf_id = models.CharField(
        _("NCBI Bookshelf ID"),
        max_length=16,
        blank=True,
        validators=[RegexValidator(r"^NBK\d{1,9}$", _("A Bookshelf ID looks like NBK507256."))],
    )
    link_status = models.CharField(
        _("link status"), max_length=12, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED
    )
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    final_url = models.URLField(_("final URL"), max_length=1000, blank=True)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("reference")
        verbose_name_plural = _("references")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.fill_identifiers()
        self.normalized_url = normalize_url(self.url)
        if not self.site:
            self.site = site_name(self.url)
        super().save(*args, **kwargs)

    def fill_identifiers(self):
        """Fill each identifier the URL states (a PubMed address gives the PMID …) when it is
        empty, or when it came from the previous URL and the new one states another."""
        previous = identifiers_from_url(self.normalized_url) if self.normalized_url else None
        for field, value in identifiers_from_url(self.url).items():
            current = getattr(self, field)
            if not current or (previous and current == getattr(previous, field)):
                setattr(self, field, value)

    def possible_duplicates(self):
        """Other references with this one's normalised URL or one of its identifiers."""
        match = models.Q(normalized_url=normalize_url(self.url))
        for field in IDENTIFIER_FIELDS:
            if value := getattr(self, field).strip():
                match |= models.Q(**{f"{field}__iexact": value})
        return Reference.objects.filter(match).exclude(pk=self.pk)

    def identifier_links(self):
        """(label, value, link) for each identifier the reference has, in citation order."""
        return [
            (label, getattr(self, field), link.format(quote(getattr(self, field), safe="/()")))
            for field, label, link in IDENTIFIERS
            if getattr(self, field)
        ]

    def citation_parts(self):
        """The reference in Vancouver (NLM) style, as runs of text and links:
        “Magnesium and aging. pubmed.ncbi.nlm.nih.gov. [cited 2025 Jan 8]. Available from:
        https://pubmed.ncbi.nlm.nih.gov/20388094/. PMID: 20388094.”"""
        title = self.title.strip()
        parts = [CitationPart(title if title.endswith((".", "?", "!")) else f"{title}.")]
        if self.site:
            parts.append(CitationPart(f" {self.site}."))
        if self.retrieved_on:
            cited = dateformat.format(self.retrieved_on, "Y M j")
            parts += [
                CitationPart(" [cited "),
                CitationPart(cited, date=self.retrieved_on),
                CitationPart("]."),
            ]
        parts += [
            CitationPart(" Available from: "),
            CitationPart(self.url, self.url),
            CitationPart("."),
        ]
        for label, value, link in self.identifier_links():
            parts += [CitationPart(f" {label}: "), CitationPart(value, link), CitationPart(".")]
        return parts

    def citation_text(self):
        """The reference in Vancouver (NLM) style, as plain text."""
        return "".join(part.text for part in self.citation_parts())

    def clean(self):
        super().clean()
        if not self.url:
            return
        self.normalized_url = normalize_url(self.url)
        duplicate = (
            Reference.objects.filter(normalized_url=self.normalized_url).exclude(pk=self.pk).first()
        )
        if duplicate:
            raise ValidationError(
                {
                    "url": _(
                        "This address is already in the library as “%(title)s”. "
                        "Cite that reference instead of adding it again."
                    )
                    % {"title": duplicate.title}
                }
            )
