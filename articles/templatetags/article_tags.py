"""
Template helpers of the reader-facing pages: intake charts drawn on the server, JSON-LD, search
snippets, absolute URLs and amounts.

Everything here escapes what it is given; the only markup in the output is our own.
"""

import html
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from articles.site.search import MARK_END, MARK_START

register = template.Library()

# The same escapes as Django's json_script: stored text cannot close the script element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

# Geometry of the intake chart, in SVG user units (the chart scales to its box).
CHART_WIDTH = 320
CHART_ROW_HEIGHT = 40
CHART_BAR_HEIGHT = 14
CHART_BAR_MAX = 230


@register.filter
def quantity(value):
    """A Decimal amount as people write it: 400, 0.5, 1.25 (never 4E+2 or 400.00)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


@register.simple_tag
def rda_chart(table):
    """An inline SVG bar chart of an RDA table's rows, one bar per life stage and age band.

    It repeats the table beside it for readers who take in a picture faster, so its text
    alternative (`title` and `desc`) says what it shows; the table stays the full record.
    """
    rows = list(table.rows.all())
    if not rows:
        return ""
    unit = table.get_unit_display()
    largest = max(row.amount for row in rows)
    height = CHART_ROW_HEIGHT * len(rows) + 8
    chart_id = f"rda-chart-{table.pk}"
    bars = []
    for index, row in enumerate(rows):
        top = index * CHART_ROW_HEIGHT + 4
        width = max(2, round(float(row.amount / largest) * CHART_BAR_MAX))
        label = f"{row.get_life_stage_display()}, {row.age_band}"
        if row.intake_type == row.IntakeType.ADEQUATE_INTAKE:
            label += " (AI)"
        bars.append(
            format_html(
                '<text x="0" y="{}" class="chart-label">{}</text>'
                '<rect x="0" y="{}" width="{}" height="{}" rx="2" class="chart-bar"'
                ' fill="#0b5e5a"></rect>'
                '<text x="{}" y="{}" class="chart-value">{} {}</text>',
                top + 12,
                label,
                top + 17,
                width,
                CHART_BAR_HEIGHT,
                width + 6,
                top + 29,
                quantity(row.amount),
                unit,
            )
        )
    description = "; ".join(
        f"{row.get_life_stage_display()} {row.age_band}: {quantity(row.amount)} {unit}"
        for row in rows
    )
    return format_html(
        '<svg class="rda-chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" focusable="false">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{bars}</svg>',
        width=CHART_WIDTH,
        height=height,
        id=chart_id,
        title=f"Bar chart: daily amounts of {table.nutrient} by life stage ({unit} per day)",
        desc=description,
        bars=format_html_join("", "{}", ((bar,) for bar in bars)),
    )


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """`path` as a full URL on the host the page was requested from."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_url(context, page_obj=None):
    """The page's full address without its query string, but with `?page=N` past page 1."""
    url = absolute_url(context, context["request"].path)
    if getattr(page_obj, "number", 1) > 1:
        url += f"?page={page_obj.number}"
    return url


@register.simple_tag(takes_context=True)
def article_json_ld(context, article, references):
    """The article as schema.org `MedicalWebPage` JSON-LD, in a script element that stored
    text cannot break out of."""
    return json_ld(medical_web_page(article, references, request=context["request"]))


def medical_web_page(article, references, *, request):
    """The schema.org description of an article page; `references` are its `ReferenceEntry`s."""
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "mainEntityOfPage": url,
        "headline": article.title,
        "description": article.get_meta_description(),
        "inLanguage": "en",
        "dateModified": article.updated_at.isoformat(timespec="seconds"),
        "author": _person(article.author) if article.author_id else _publisher(request),
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": request.build_absolute_uri("/"),
        },
        "citation": [
            {"@type": "CreativeWork", "name": entry.reference.title, "url": entry.reference.url}
            for entry in references
        ],
    }
    if article.publish_at:
        data["datePublished"] = article.publish_at.isoformat(timespec="seconds")
    if article.medical_reviewer:
        data["reviewedBy"] = _person(article.medical_reviewer)
        data["lastReviewed"] = article.reviewed_on.isoformat()
    if article.hero_image:
        data["image"] = request.build_absolute_uri(article.hero_image.url)
    return data


def _publisher(request):
    """The publisher as the author of an article that names no person."""
    return {
        "@type": "Organization",
        "name": settings.PUBLISHER_NAME,
        "url": request.build_absolute_uri("/"),
    }


def _person(contributor):
    person = {"@type": "Person", "name": contributor.name}
    if contributor.credentials:
        person["honorificSuffix"] = contributor.credentials
    return person


def json_ld(data):
    """A `<script type="application/ld+json">` holding `data`, escaped like json_script."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    # Safe: with <, > and & escaped, no stored text can end the element or open a comment.
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),
    )


@register.filter
def search_snippet(headline):
    """A search headline as HTML: its text escaped, its matched words in `<mark>`.

    The headline may quote section bodies, stored as HTML with their tags stripped: their
    entities (`&amp;`) are decoded first so they read as the characters they stand for.
    """
    text = escape(html.unescape(headline or ""))
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))
