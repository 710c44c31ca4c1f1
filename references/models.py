"""
The library of references.

A `Reference` is one source (a paper, a book chapter, a web page), kept once in a library shared
by whatever cites it (in this project, articles: `articles.models.Citation`). This app knows
nothing of what points at a reference: counts and merges go through Django's reverse relations.

A reference is a bibliographic record that maps one to one onto CSL-JSON (`to_csl`,
`from_csl`, `apply_csl`; see `csl.py`): type, ordered authors, title, journal or book, date,
volume, issue, pages, identifiers, address, publisher, and where the record came from. It carries
the identifiers its address states (filled on save, see `identifiers.py`), is written out in
NLM/Vancouver style by a CSL processor (`citation_parts`, see `vancouver.py`), records whether
the paper was retracted or corrected (`notice_status`, see `metadata/`), and where its link led
when last checked (`link_status` …, see `linkcheck.py`).

Web pages: `site` (the site's name, or its host when left empty) is the page's publisher in
CSL, as in Citing Medicine's form for homepages ("Title [Internet]. Site; [cited …]"), unless
the editor gives a publisher; for other types it is not part of the citation.

It runs past 500 lines because the record is one model of some 30 fields, each with the words
an editor reads in the admin, and the queries over the whole library (duplicates, use counts,
unfetched records) belong with it; the CSL mapping's helpers are in `csl.py`, the formatter in
`vancouver.py`.
"""

import datetime
from typing import NamedTuple
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import csl, vancouver
from .identifiers import clean_doi, identifiers_from_url
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

    def unfetched(self):
        """References with a PMID, PMC ID or DOI (something a lookup can use) and no
        bibliographic details yet (`has_bibliographic_details`): their record was never
        fetched."""
        has_identifier = models.Q(pmid__gt="") | models.Q(pmcid__gt="") | models.Q(doi__gt="")
        return self.filter(has_identifier, **NO_BIBLIOGRAPHIC_DETAILS)

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


class ReferenceType(models.TextChoices):
    """The CSL types editors meet in health publishing (the value is CSL's)."""

    JOURNAL_ARTICLE = "article-journal", _("Journal article")
    BOOK = "book", _("Book")
    CHAPTER = "chapter", _("Book chapter")
    REPORT = "report", _("Report or guideline")
    WEBPAGE = "webpage", _("Web page")
    PAPER_CONFERENCE = "paper-conference", _("Conference paper")
    THESIS = "thesis", _("Thesis")
    DATASET = "dataset", _("Data set")
    ENCYCLOPEDIA_ENTRY = "entry-encyclopedia", _("Encyclopedia entry")
    MAGAZINE_ARTICLE = "article-magazine", _("Magazine article")
    NEWSPAPER_ARTICLE = "article-newspaper", _("Newspaper article")
    DOCUMENT = "document", _("Other document")


class MetadataSource(models.TextChoices):
    """Where a reference's bibliographic details came from."""

    TYPED = "typed", _("Typed by an editor")
    PUBMED = "pubmed", _("PubMed (NCBI)")
    PMC = "pmc", _("PubMed Central (NCBI)")
    CROSSREF = "crossref", _("Crossref")
    FILE = "file", _("Imported file (RIS, BibTeX, CSL-JSON)")


class NoticeStatus(models.TextChoices):
    """What PubMed and Crossref say was published about a paper after it: the most serious
    notice wins (retracted, then expression of concern, then corrected)."""

    UNCHECKED = "unchecked", _("Not checked")
    NONE = "none", _("No notice found")
    CORRECTED = "corrected", _("Corrected")
    CONCERN = "concern", _("Expression of concern")
    RETRACTED = "retracted", _("Retracted")


#: Notices readers and editors are warned about.
FLAGGED_NOTICES = [NoticeStatus.CORRECTED, NoticeStatus.CONCERN, NoticeStatus.RETRACTED]

#: The bibliographic fields a lookup fills (and `has_bibliographic_details` looks at).
BIBLIOGRAPHIC_FIELDS = [
    "authors",
    "editors",
    "container_title",
    "container_title_short",
    "issued_year",
    "issued_month",
    "issued_day",
    "volume",
    "issue",
    "pages",
    "publisher",
    "publisher_place",
]

#: Every one of `BIBLIOGRAPHIC_FIELDS` empty, as a filter (`ReferenceQuerySet.unfetched`).
NO_BIBLIOGRAPHIC_DETAILS = {
    "authors": [],
    "editors": [],
    "container_title": "",
    "container_title_short": "",
    "issued_year__isnull": True,
    "volume": "",
    "issue": "",
    "pages": "",
    "publisher": "",
    "publisher_place": "",
}


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
    reference_type = models.CharField(
        _("type"), max_length=20, choices=ReferenceType.choices, default=ReferenceType.WEBPAGE
    )
    authors = models.JSONField(
        _("authors"),
        default=list,
        blank=True,
        help_text=_(
            "In the order the source lists them: "
            '[{"family": "Wessells", "given": "KR"}, {"literal": "World Health Organization"}].'
        ),
    )
    editors = models.JSONField(
        _("editors"),
        default=list,
        blank=True,
        help_text=_("Of the book a chapter is in; written like the authors."),
    )
    container_title = models.CharField(
        _("journal or book"),
        max_length=500,
        blank=True,
        help_text=_("The journal an article is in, or the book a chapter is in."),
    )
    container_title_short = models.CharField(
        _("journal abbreviation"),
        max_length=200,
        blank=True,
        help_text=_("As PubMed abbreviates it, e.g. “PLoS One”, “Curr Pharm Des”."),
    )
    issued_year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9999)],
    )
    issued_month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1–12; only when the source states it."),
    )
    issued_day = models.PositiveSmallIntegerField(
        _("day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Only when the source states it."),
    )
    volume = models.CharField(_("volume"), max_length=50, blank=True)
    issue = models.CharField(_("issue"), max_length=50, blank=True)
    pages = models.CharField(
        _("pages"), max_length=50, blank=True, help_text=_("e.g. 832-9, or e50568.")
    )
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    publisher_place = models.CharField(_("place of publication"), max_length=200, blank=True)
    metadata_source = models.CharField(
        _("details from"),
        max_length=10,
        choices=MetadataSource.choices,
        default=MetadataSource.TYPED,
    )
    metadata_fetched_at = models.DateTimeField(_("details fetched"), null=True, blank=True)
    notice_status = models.CharField(
        _("retraction or correction"),
        max_length=12,
        choices=NoticeStatus.choices,
        default=NoticeStatus.UNCHECKED,
    )
    notice_doi = models.CharField(_("notice DOI"), max_length=200, blank=True)
    notice_url = models.URLField(_("notice address"), max_length=1000, blank=True)
    notice_checked_at = models.DateTimeField(_("notices checked"), null=True, blank=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("reference")
        verbose_name_plural = _("references")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(issued_month__isnull=True) | models.Q(issued_year__isnull=False),
                name="reference_month_needs_year",
                violation_error_message=_("A month needs a year."),
            ),
            models.CheckConstraint(
                condition=models.Q(issued_day__isnull=True) | models.Q(issued_month__isnull=False),
                name="reference_day_needs_month",
                violation_error_message=_("A day needs a month."),
            ),
            models.CheckConstraint(
                condition=models.Q(issued_month__isnull=True)
                | models.Q(issued_month__gte=1, issued_month__lte=12),
                name="reference_month_in_range",
                violation_error_message=_("A month is 1 to 12."),
            ),
            models.CheckConstraint(
                condition=models.Q(issued_day__isnull=True)
                | models.Q(issued_day__gte=1, issued_day__lte=31),
                name="reference_day_in_range",
                violation_error_message=_("A day is 1 to 31."),
            ),
        ]

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
        """The reference in NLM/Vancouver style, as runs of text, links and dates:
        “Wessells KR, Brown KH. Estimating … PLoS One. 2012;7(11):e50568.
        doi:10.1371/journal.pone.0050568”, “Magnesium and aging [Internet].
        pubmed.ncbi.nlm.nih.gov; [cited 2025 Jan 8]. Available from: https://…”."""
        text = vancouver.format_reference(self.to_csl())
        return split_into_parts(text, self.citation_links(), self.citation_dates())

    def citation_text(self):
        """The reference in NLM/Vancouver style, as plain text."""
        return "".join(part.text for part in self.citation_parts())

    def has_bibliographic_details(self):
        """Whether anything beyond the title and address is known (authors, journal, date …)."""
        return any(getattr(self, field) not in ("", None, []) for field in BIBLIOGRAPHIC_FIELDS)

    def lookup_identifiers(self):
        """The identifiers a lookup can use: the ones stored, else those the address states."""
        from_url = identifiers_from_url(self.url) if self.url else None
        return {
            field: getattr(self, field) or (getattr(from_url, field) if from_url else "")
            for field in IDENTIFIER_FIELDS
        }

    def to_csl(self):
        """The reference as one CSL-JSON item. Bookshelf IDs, which CSL has no variable for,
        go under ``custom``; a web page's `site` is its publisher unless one is given."""
        publisher = self.publisher
        if not publisher and self.reference_type == ReferenceType.WEBPAGE:
            publisher = self.site
        values = {
            "id": str(self.pk) if self.pk else "new",
            "type": self.reference_type,
            "title": self.title,
            "author": csl.clean_names(self.authors),
            "editor": csl.clean_names(self.editors),
            "container-title": self.container_title,
            "container-title-short": self.container_title_short,
            "issued": csl.date_parts(self.issued_year, self.issued_month, self.issued_day),
            "volume": self.volume,
            "issue": self.issue,
            "page": self.pages,
            "publisher": publisher,
            "publisher-place": self.publisher_place,
            "DOI": self.doi,
            "PMID": self.pmid,
            "PMCID": self.pmcid,
            "URL": self.url,
            "accessed": self.retrieved_on
            and csl.date_parts(
                self.retrieved_on.year, self.retrieved_on.month, self.retrieved_on.day
            ),
            "custom": {"bookshelf-id": self.bookshelf_id} if self.bookshelf_id else None,
        }
        return {key: value for key, value in values.items() if value not in ("", None, [])}

    @classmethod
    def from_csl(cls, item, *, source=MetadataSource.FILE):
        """A new, unsaved reference from one CSL-JSON item."""
        reference = cls(metadata_source=source)
        reference.apply_csl(item)
        return reference

    def apply_csl(self, item, *, only_empty=False):
        """Take the values `item` (one CSL-JSON item) states; with `only_empty`, only into
        fields that are empty. A value the item does not state never erases one the reference
        has. The date is taken whole (year, month, day together). Returns the fields changed."""
        values = values_from_csl(item)
        if only_empty and self.issued_year:
            for field in ("issued_year", "issued_month", "issued_day"):
                values.pop(field, None)
        elif values.get("issued_year"):
            values.setdefault("issued_month", None)
            values.setdefault("issued_day", None)
        changed = []
        for field, value in values.items():
            current = getattr(self, field)
            if only_empty and current not in ("", None, []):
                continue
            if value in ("", [], None) and not field.startswith("issued_"):
                continue
            if current != value:
                setattr(self, field, value)
                changed.append(field)
        if not self.url and (url := record_url(self)):
            self.url = url
            changed.append("url")
        return changed

    def citation_links(self):
        """(text, link) for what the formatted reference links: its address and identifiers."""
        links = [(self.url, self.url)] if self.url else []
        return links + [(value, link) for _label, value, link in self.identifier_links()]

    def citation_dates(self):
        """(text, date) for the dates the formatted reference marks up: the day it was read."""
        if not self.retrieved_on:
            return []
        return [(vancouver.format_day(self.retrieved_on), self.retrieved_on)]

    def notice_link(self):
        """Where the retraction, correction or expression of concern can be read."""
        if self.notice_url:
            return self.notice_url
        return f"https://doi.org/{quote(self.notice_doi, safe='/()')}" if self.notice_doi else ""

    def clean(self):
        super().clean()
        errors = {}
        for field in ("authors", "editors"):
            if problems := csl.name_problems(getattr(self, field)):
                errors[field] = problems
        year, month, day = self.issued_year, self.issued_month, self.issued_day
        if (day and not month) or (month and not year):
            errors["issued_year"] = _("Give the year (and the month before a day).")
        elif year and (year, month, day) != csl.valid_date_parts(year, month, day):
            errors["issued_day"] = _("That day does not exist in that month.")
        if errors:
            raise ValidationError(errors)
        self.check_address_is_new()

    def check_address_is_new(self):
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


def values_from_csl(item):
    """The reference's field values one CSL-JSON item states (missing ones left out)."""
    year, month, day = csl.parts_of(item.get("issued"))
    accessed = csl.parts_of(item.get("accessed"))
    kind = item.get("type", "")
    values = {
        "reference_type": ReferenceType(kind) if kind in ReferenceType.values else None,
        "title": " ".join(str(csl.first(item.get("title"))).split()),
        "authors": csl.clean_names(item.get("author")),
        "editors": csl.clean_names(item.get("editor")),
        "container_title": str(csl.first(item.get("container-title"))).strip(),
        "container_title_short": str(
            csl.first(item.get("container-title-short") or item.get("journalAbbreviation"))
        ).strip(),
        "issued_year": year,
        "issued_month": month,
        "issued_day": day,
        "volume": str(item.get("volume") or "").strip(),
        "issue": str(item.get("issue") or "").strip(),
        "pages": str(item.get("page") or "").strip(),
        "publisher": str(item.get("publisher") or "").strip(),
        "publisher_place": str(item.get("publisher-place") or "").strip(),
        "doi": clean_doi(str(item.get("DOI") or "")),
        "pmid": str(item.get("PMID") or "").strip(),
        "pmcid": str(item.get("PMCID") or "").strip().upper(),
        "bookshelf_id": str((item.get("custom") or {}).get("bookshelf-id") or "").strip(),
        "url": str(item.get("URL") or "").strip(),
        "retrieved_on": datetime.date(*accessed) if all(accessed) else None,
    }
    if values["pmcid"].isdigit():
        values["pmcid"] = f"PMC{values['pmcid']}"
    if kind and values["reference_type"] is None:
        values["reference_type"] = OTHER_CSL_TYPES.get(kind, ReferenceType.DOCUMENT)
    if not year:
        del values["issued_year"], values["issued_month"], values["issued_day"]
    return {key: value for key, value in values.items() if value is not None or "issued" in key}


#: CSL types outside `ReferenceType`, and the type they are kept as.
OTHER_CSL_TYPES = {
    "article": ReferenceType.JOURNAL_ARTICLE,
    "review": ReferenceType.JOURNAL_ARTICLE,
    "post": ReferenceType.WEBPAGE,
    "post-weblog": ReferenceType.WEBPAGE,
    "entry": ReferenceType.ENCYCLOPEDIA_ENTRY,
    "entry-dictionary": ReferenceType.ENCYCLOPEDIA_ENTRY,
    "periodical": ReferenceType.MAGAZINE_ARTICLE,
}


def record_url(reference):
    """The address of a record the reference's identifiers name (DOI first), or ""."""
    for field, _label, link in IDENTIFIERS:
        if value := getattr(reference, field):
            return link.format(quote(value, safe="/()"))
    return ""


def split_into_parts(text, links, dates):
    """Cut formatted `text` into `CitationPart` runs: the first place each (text, link) of
    `links` occurs becomes a link and each (text, date) of `dates` a date, in the order given,
    none inside another (a PMID inside the PubMed address is not linked twice)."""
    spans = []

    def free(start, end):
        return all(end <= taken_start or start >= taken_end for taken_start, taken_end, *_ in spans)

    wanted = [(needle, url, None) for needle, url in links]
    wanted += [(needle, "", date) for needle, date in dates]
    for needle, url, date in wanted:
        start = text.find(needle) if needle else -1
        while start != -1 and not free(start, start + len(needle)):
            start = text.find(needle, start + 1)
        if start != -1:
            spans.append((start, start + len(needle), url, date))
    parts, position = [], 0
    for start, end, url, date in sorted(spans, key=lambda span: span[0]):
        if start > position:
            parts.append(CitationPart(text[position:start]))
        parts.append(CitationPart(text[start:end], url, date))
        position = end
    if position < len(text):
        parts.append(CitationPart(text[position:]))
    return parts
