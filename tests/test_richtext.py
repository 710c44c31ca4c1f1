"""Stored rich text is sanitised whatever sends it: the admin, an import or a script."""

import pytest

from articles.models import Disclaimer
from hslhealing.richtext import sanitize_html
from tests.factories import SectionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script><p>ok</p>",
        '<p onclick="alert(1)">ok</p>',
        '<p><a href="javascript:alert(1)">ok</a></p>',
        '<p><img src="x" onerror="alert(1)">ok</p>',
        '<svg onload="alert(1)"></svg><p>ok</p>',
        '<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">ok</a></p>',
        '<iframe src="https://evil.example"></iframe><p>ok</p>',
        '<p style="background:url(javascript:alert(1))">ok</p>',
    ],
)
def test_section_body_is_stored_without_executable_content(payload):
    section = SectionFactory(body=payload)
    section.refresh_from_db()
    lowered = section.body.lower()
    for forbidden in ("<script", "onclick", "onerror", "onload", "javascript:", "data:", "<iframe"):
        assert forbidden not in lowered
    assert "ok" in section.body


def test_paragraphs_lists_and_links_survive_with_safe_rel():
    html = '<p>See <a href="https://ods.od.nih.gov/">ODS</a>.</p><ul><li>One</li><li>Two</li></ul>'
    assert sanitize_html(html) == (
        '<p>See <a href="https://ods.od.nih.gov/" rel="noopener nofollow">ODS</a>.</p>'
        "<ul><li>One</li><li>Two</li></ul>"
    )


def test_an_empty_editor_paragraph_is_stored_as_empty():
    assert sanitize_html("<p></p>") == ""


def test_disclaimers_are_sanitised_too():
    disclaimer = Disclaimer.objects.create(name="x", title="x", body="<p onmouseover=x()>Hi</p>")
    disclaimer.refresh_from_db()
    assert disclaimer.body == "<p>Hi</p>"
