"""Stored content is safe: every payload of `xss_payloads.txt` is saved through the admin in
every rich-text and plain-text field readers see, then no page, feed or JSON-LD carries
anything a browser would run.

The pages are parsed (html.parser): the only `<script>`s allowed are the JSON-LD one, whose
text must not close the element and must decode as JSON, and our own static files (`js/`); no
element has an `on…` attribute; no link or source is a `javascript:`, `vbscript:` or `data:`
URL. tests/browser/test_xss.py loads the same pages in Chromium and checks that nothing runs.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, Category, Contributor, Disclaimer, SitePage, Tag
from references.models import NoticeStatus, Reference
from tests.admin_forms import article_post_data, form_data_from_page

pytestmark = pytest.mark.django_db

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text("utf-8").splitlines()
    if line.strip()
]

#: Attributes that hold a URL a browser may load or navigate to.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "srcset",
    "xlink:href",
    "lowsrc",
    "dynsrc",
    "ping",
}
#: Elements that have no business on a page built from stored content.
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
SCRIPT_URL = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
JSON_LD = "application/ld+json"


def fit(text, length):
    return text[:length].strip()


def without_controls(value):
    """A URL as a browser reads it: control characters and spaces do not hide the scheme."""
    return re.sub(r"[\x00-\x20\x7f]", "", value)


class PageReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.scripts, self._script = [], [], None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag == "script":
            self._script = {"attrs": dict(attrs), "text": ""}
            self.scripts.append(self._script)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def read_page(html):
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader


#: What the admin's own widgets (Django's, nested-admin's) use as links that do nothing.
ADMIN_NO_OP_LINKS = {"javascript:void(0)", "javascript://"}


def is_our_static_script(script):
    """A script element that only loads one of the site's own static scripts."""
    source = script["attrs"].get("src") or ""
    return source.startswith(static("js/")) and not script["text"].strip()


def script_problems(html, *, admin=False):
    """What in `html` a browser could run, as readable lines (empty when safe). On an admin
    page (`admin`) the admin's own scripts and no-op links are allowed."""
    page = read_page(html)
    problems = []
    for tag, attrs in page.elements:
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                problems.append(f"{name} attribute on <{tag}>")
            url = without_controls(value)
            if name in URL_ATTRIBUTES and SCRIPT_URL.match(url):
                if admin and url.lower() in ADMIN_NO_OP_LINKS:
                    continue
                problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style" and re.search(r"javascript:|expression\(", value, re.I):
                problems.append(f"style={value!r} on <{tag}>")
        attributes = {name: (value or "").lower() for name, value in attrs}
        if tag == "meta" and attributes.get("http-equiv") == "refresh":
            problems.append(f"<meta http-equiv=refresh> {attributes.get('content')!r}")
    for script in page.scripts:
        kind = (script["attrs"].get("type") or "").lower()
        if kind == JSON_LD:
            problems += json_ld_problems(script["text"])
        elif kind == "application/json":
            continue  # data for the admin's own scripts (json_script)
        elif is_our_static_script(script):
            continue
        elif not admin or (
            # The admin's own inline scripts are allowed; one carrying a payload is not.
            "src" not in script["attrs"] and re.search(r"__xss|alert\(", script["text"])
        ):
            problems.append(f"<script {script['attrs']}>{script['text'][:80]}</script>")
    return problems


def json_ld_problems(text):
    problems = []
    if "</script" in text.lower() or "<!--" in text:
        problems.append("the JSON-LD can close its script element")
    try:
        json.loads(text)
    except ValueError as error:
        problems.append(f"the JSON-LD does not decode: {error}")
    return problems


def strings_in(data):
    """Every string in decoded JSON."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return [text for item in data for text in strings_in(item)]
    return []


def json_ld_of(html):
    scripts = [s for s in read_page(html).scripts if s["attrs"].get("type") == JSON_LD]
    return [json.loads(script["text"]) for script in scripts]


def feed_problems(xml):
    """Feed readers show an item's description (RSS) or summary/content (Atom) as HTML."""
    problems = []
    root = ElementTree.fromstring(xml)
    html_elements = [
        element
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] in {"description", "summary", "content"}
        and (element.tag == "description" or element.get("type") in {"html", "xhtml", None})
    ]
    for element in html_elements:
        problems += script_problems(element.text or "")
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "script":
            problems.append("<script> element in the feed")
    return problems


def assert_saved(response):
    assert response.status_code == 302, getattr(response, "context", None) and (
        response.context["adminform"].form.errors
        if "adminform" in response.context
        else response.content.decode()[:500]
    )


def store_through_admin(client, payload, number, sections=None):
    """Save `payload` in every text field through the admin pages, as an editor would, and
    publish the article it is in. `client` is signed in as a superuser."""

    def add(model, data):
        assert_saved(client.post(reverse(f"admin:{model}_add"), data))

    suffix = f" {number}"  # names that must be unique
    add(
        "articles_category",
        {"name": fit(payload, 90) + suffix, "slug": f"xss-{number}", "description": payload},
    )
    add("articles_tag", {"name": fit(payload, 90) + suffix, "slug": f"xss-{number}"})
    add(
        "articles_contributor",
        {
            "name": fit(payload, 150),
            "slug": f"xss-{number}",
            "credentials": fit(payload, 100),
            "bio": payload,
        },
    )
    add(
        "references_reference",
        {
            "reference_type": "article-journal",
            "title": fit(payload, 500),
            "url": f"https://example.org/xss/{number}",
            "site": fit(payload, 200),
            "retrieved_on": "2025-01-08",
            # The record's details as an editor types them (or a lookup stores them): the
            # studies citing it are checked against them, and the note on what differs quotes
            # both sides.
            "authors": json.dumps(
                [{"family": fit(payload, 100), "given": "A"}, {"literal": payload}]
            ),
            "editors": "[]",
            "container_title": fit(payload, 480) + " (record)",
            "container_title_short": fit(payload, 190) + " (abbr.)",
            "issued_year": 2018,
        },
    )
    add(
        "articles_sitepage",
        {"title": fit(payload, 200), "slug": f"xss-{number}", "body": f"<p>{payload}</p>{payload}"},
    )
    add(
        "articles_disclaimer",
        {
            "name": f"xss-{number}",
            "title": fit(payload, 200),
            "body": f"<p>Ask a professional.</p>{payload}",
            "position": 9,
        },
    )
    category = Category.objects.get(slug=f"xss-{number}")
    tag = Tag.objects.get(slug=f"xss-{number}")
    person = Contributor.objects.get(slug=f"xss-{number}")
    reference = Reference.objects.get(url=f"https://example.org/xss/{number}")
    disclaimers = [d.pk for d in Disclaimer.objects.filter(name=f"xss-{number}")]

    def study(display, position):
        return {
            "display": display,
            "label": fit(payload, 60),
            "authors": fit(payload, 200),
            "journal": fit(payload, 200),
            "year": 2019,
            "finding": payload,
            "effect_figure": fit(payload, 40),
            "reference": reference.pk,
            "position": position,
        }

    fields = {
        "title": fit(payload, 200),
        "slug": f"xss-article-{number}",
        "standfirst": payload,
        "category": category.pk,
        "tags": [tag.pk],
        "author": person.pk,
        "medical_reviewer": person.pk,
        "reviewed_on": "2025-01-08",
        "status": "published",
        "publish_at_0": "",
        "publish_at_1": "",
        "attribution": fit(payload, 300),
        "meta_description": fit(payload, 160),
        "hero_image_alt": fit(payload, 250),
        "disclaimers": disclaimers + [d.pk for d in Disclaimer.objects.defaults()],
    }
    sections = sections or [
        {
            "heading": fit(payload, 200),
            "level": 2,
            "number_subsections": "on",
            "body": payload,
            "position": 1,
            "studies": [study("callout", 1)],
        },
        {
            "heading": fit(payload, 190) + " (2)",
            "level": 3,
            "body": f"<p>{payload}</p>",
            "position": 2,
            "studies": [study("in_text", 1)],
        },
    ]
    table = {
        "nutrient": fit(payload, 100),
        "unit": "mg",
        "source_note": fit(payload, 300),
        "upper_limit": "10",
        "upper_limit_applies_to": fit(payload, 200),
        "position": 1,
        "rows": [
            {
                "life_stage": "men",
                "age_from": 19,
                "age_to": "",
                "age_unit": "years",
                "amount": "5",
                "intake_type": "rda",
                "position": 1,
            }
        ],
    }
    data = article_post_data(
        fields,
        sections=sections,
        rda_tables=[table],
        citations=[{"reference": reference.pk, "position": 1}],
    )
    assert_saved(client.post(reverse("admin:articles_article_add"), data))
    article = Article.objects.get(slug=f"xss-article-{number}")
    assert article.is_live
    # What a retraction notice found by a lookup leaves on the reference: readers see a label
    # and a link to the notice beside it in the reference list.
    Reference.objects.filter(pk=reference.pk).update(
        notice_status=NoticeStatus.RETRACTED, notice_doi=fit(payload, 200)
    )
    return article


@pytest.fixture(scope="module")
def stored(django_db_setup, django_db_blocker):
    """Every payload stored through the admin once for this module (like setUpTestData):
    {payload: its live article}. Rolled back when the module's tests are done."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            superuser = get_user_model().objects.create_superuser("xss-admin", "x@example.com")
            client = Client()
            client.force_login(superuser)
            articles = {
                payload: store_through_admin(client, payload, number)
                for number, payload in enumerate(PAYLOADS)
            }
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield articles
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def found(problems):
    """Only the payloads (and pages) where something was found."""
    return {key: value for key, value in problems.items() if value}


def test_no_page_runs_a_stored_payload(stored, client):
    problems = {}
    for payload, article in stored.items():
        pages = {
            "article page": article.get_absolute_url(),
            "category page": article.category.get_absolute_url(),
            "author's page": article.author.get_absolute_url(),
            "tag page": article.tags.get().get_absolute_url(),
            "site page": SitePage.objects.get(slug=article.category.slug).get_absolute_url(),
            "search results": reverse("articles:search") + "?q=" + quote(payload[:50]),
        }
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, (payload, name, response.status_code)
            problems[(payload, name)] = script_problems(response.content.decode())
    for url in [
        reverse("articles:home"),
        reverse("articles:list"),
        reverse("articles:editorial-policy"),
    ]:
        problems[("all", url)] = script_problems(client.get(url).content.decode())
    assert found(problems) == {}


def test_the_corpus_reaches_the_evidence_notes_and_retraction_labels(stored, client):
    """The fields added since the corpus began are really filled: each study's note on what
    differs from its reference quotes the payload, and the reference list labels the
    reference retracted."""
    for payload, article in stored.items():
        study = article.sections.first().studies.get()
        assert study.source_check == "disagrees", payload
        assert fit(payload, 200) in study.source_check_note, payload
        assert "Retracted" in client.get(article.get_absolute_url()).content.decode(), payload


def test_the_editors_pages_of_stored_payloads_do_not_run_them(stored, client):
    """The desk (dashboard), each article's change page with its evidence report (notes on
    what differs, retracted references), and the site pages' and contributors' change pages."""
    superuser = get_user_model().objects.create_superuser("xss-desk", "desk@example.com")
    client.force_login(superuser)
    urls = [reverse("admin:index")]
    for article in stored.values():
        urls += [
            reverse("admin:articles_article_change", args=[article.pk]),
            reverse("admin:articles_contributor_change", args=[article.author.pk]),
            reverse(
                "admin:articles_sitepage_change",
                args=[SitePage.objects.get(slug=article.category.slug).pk],
            ),
        ]
    problems = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        problems[url] = script_problems(response.content.decode(), admin=True)
    assert found(problems) == {}


def test_no_feed_carries_a_stored_payload_as_markup(stored, client):
    """Feeds list the latest articles only, so each payload's article is shown on its own."""
    problems = {}
    live = Article.objects.filter(pk__in=[article.pk for article in stored.values()])
    for payload, article in stored.items():
        live.exclude(pk=article.pk).update(status=Article.Status.DRAFT)
        live.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
        for name in ["feed", "feed-atom"]:
            response = client.get(reverse(name))
            assert response.status_code == 200
            assert article.get_absolute_url() in response.content.decode()
            problems[(payload, name)] = feed_problems(response.content)
    assert found(problems) == {}


def test_the_json_ld_keeps_payloads_as_data(stored, client):
    problems = {}
    for payload, article in stored.items():
        documents = json_ld_of(client.get(article.get_absolute_url()).content.decode())
        if not documents:
            problems[payload] = "the article page has no JSON-LD"
        elif fit(payload, 200) not in strings_in(documents):
            problems[payload] = "the title is not in the JSON-LD as written"
    assert found(problems) == {}


def test_the_admin_pages_do_not_run_stored_payloads(admin_client):
    """The editors' own pages (change page, history, comparison of versions, restoring) are
    safe too: one article carries every payload in its sections and standfirst, then they
    all change."""
    groups = [PAYLOADS[start : start + 8] for start in range(0, len(PAYLOADS), 8)]
    sections = [
        {"heading": fit(group[0], 200), "level": 2, "body": "".join(group), "position": number}
        for number, group in enumerate(groups)
    ]
    article = store_through_admin(admin_client, "\n".join(PAYLOADS), "all", sections=sections)
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    page = form_data_from_page(admin_client.get(change_url).content.decode())
    page["title"] = "Edited: " + fit(PAYLOADS[0], 100)
    page["standfirst"] = "\n".join(reversed(PAYLOADS))
    for number, group in enumerate(groups):
        page[f"sections-{number}-heading"] = fit(group[-1], 200)
        page[f"sections-{number}-body"] = "".join(reversed(group))
    assert_saved(admin_client.post(change_url, page))
    old, new = Version.objects.get_for_object(article).order_by("pk").values_list("pk", flat=True)

    problems = {}
    for url in [
        change_url,
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_article_compare", args=[article.pk]) + f"?old={old}&new={new}",
        reverse("admin:articles_article_revision", args=[article.pk, old]),
        reverse("admin:articles_article_changelist"),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        problems[url] = script_problems(response.content.decode(), admin=True)
        if "/compare/" in url:  # the payloads are there, as text
            assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in response.content.decode()
    assert found(problems) == {}


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    for marker in ["<script", "onerror", "javascript:", "data:", "<svg", "&#", "%3c", "\\u003c"]:
        assert any(marker in payload.lower() for payload in PAYLOADS), marker


def test_the_checks_catch_what_they_look_for():
    """The checks above would fail on unsafe markup (so a pass means something)."""
    assert script_problems("<p onclick=x>a</p>")
    assert script_problems('<a href=" jav&#x09;ascript:alert(1)">a</a>')
    assert script_problems('<img src="data:image/svg+xml,<svg onload=alert(1)>">')
    assert script_problems("<script>window.__xss=1</script>")
    assert script_problems('<script type="application/ld+json">{"a": "</script>"}</script>')
    assert script_problems('<script type="application/ld+json">{"a": </script>')
    assert script_problems("<iframe src=https://example.org></iframe>")
    assert script_problems('<a href="javascript:alert(1)">x</a>', admin=True)
    assert script_problems("<script>alert(1)</script>", admin=True)
    assert feed_problems(
        "<rss><channel><item><description>&lt;img src=x onerror=alert(1)&gt;"
        "</description></item></channel></rss>"
    )
    assert not script_problems(
        '<script type="application/ld+json">{"a": "\\u003c/script"}</script>'
    )
