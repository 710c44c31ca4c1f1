"""
Template helpers of the reader-facing pages: intake grids, JSON-LD, search snippets, absolute
URLs and amounts.

Everything here escapes what it is given; the only markup in the output is our own.
"""

import html
import json
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from articles.renditions import OPEN_GRAPH_SIZE
from articles.site.search import MARK_END, MARK_START
from hslhealing.templatetags.jinja2_tags import render_jinja2

register = template.Library()

# The same escapes as Django's json_script: stored text cannot close the script element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def quantity(value):
    """A Decimal amount as people write it: 400, 0.5, 1.25 (never 4E+2 or 400.00)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """`path` as a full URL on the host the page was requested from."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_url(context, page_obj=None):
    """The page's full address with only the query parameters that choose its content: those
    the view names in `canonical_query` (search's `q`) and `page` past page 1."""
    parameters = dict(context.get("canonical_query") or {})
    if getattr(page_obj, "number", 1) > 1:
        parameters["page"] = page_obj.number
    url = absolute_url(context, context["request"].path)
    return f"{url}?{urlencode(parameters)}" if parameters else url


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
        "author": person(article.author, request=request)
        if article.author_id
        else _publisher(request),
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": request.build_absolute_uri("/"),
        },
        "publishingPrinciples": request.build_absolute_uri(reverse("articles:editorial-policy")),
        "citation": [
            {"@type": "CreativeWork", "name": entry.reference.title, "url": entry.reference.url}
            for entry in references
        ],
    }
    if article.publish_at:
        data["datePublished"] = article.publish_at.isoformat(timespec="seconds")
    if article.medical_reviewer:
        data["reviewedBy"] = person(article.medical_reviewer, request=request)
        data["lastReviewed"] = article.reviewed_on.isoformat()
    if article.hero:
        data["image"] = [
            image_object(request, article.hero.open_graph_url, *OPEN_GRAPH_SIZE),
            image_object(request, *article.hero.largest),
        ]
    elif article.hero_image:
        data["image"] = request.build_absolute_uri(article.hero_image.url)
    return data


def image_object(request, url, width, height):
    return {
        "@type": "ImageObject",
        "url": request.build_absolute_uri(url),
        "width": width,
        "height": height,
    }


def _publisher(request):
    """The publisher as the author of an article that names no person."""
    return {
        "@type": "Organization",
        "name": settings.PUBLISHER_NAME,
        "url": request.build_absolute_uri("/"),
    }


def person(contributor, *, request):
    """A contributor as a schema.org `Person`, identified by their page's address."""
    url = request.build_absolute_uri(contributor.get_absolute_url())
    data = {"@type": "Person", "@id": f"{url}#person", "url": url, "name": contributor.name}
    if contributor.credentials:
        data["honorificSuffix"] = contributor.credentials
    return data


@register.simple_tag(takes_context=True)
def contributor_json_ld(context, contributor):
    """A contributor's page as a schema.org `ProfilePage` whose main entity is the `Person`."""
    request = context["request"]
    data = person(contributor, request=request)
    if contributor.bio:
        data["description"] = contributor.bio
    if contributor.portrait:
        data["image"] = image_object(request, *contributor.portrait.largest)
    elif contributor.photo:
        data["image"] = request.build_absolute_uri(contributor.photo.url)
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "ProfilePage",
            "url": data["url"],
            "mainEntity": data,
        }
    )


@register.simple_tag
def picture(image, alt, *, sizes, css_class="", eager=False):
    """An image's renditions (`renditions.Renditions`) as `<picture>`: AVIF sources, the JPEGs
    as fallback, width and height (no layout shift), and lazy loading unless `eager` (the
    hero, which is the largest thing above the fold: fetched first). The markup is the Jinja2
    template includes/picture.html, which the article's Jinja2 template calls too."""
    return render_jinja2(
        "includes/picture.html", image=image, alt=alt, sizes=sizes, css_class=css_class, eager=eager
    )


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
