"""
No stored payload runs in a real browser. Every payload of tests/xss_payloads.txt is saved
through the admin in every field readers see (tests/test_xss.py, which also parses the same
pages), then Chromium opens the pages (articles, categories, contributors, site pages such as
the editorial policy, search): no dialog may open and no payload may set `window.__xss`.

The pages are opened with the Content-Security-Policy bypassed: the policy would block inline
script anyway, and this test is about the markup itself being inert.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import SitePage
from tests.test_xss import PAYLOADS, store_through_admin

pytestmark = [
    pytest.mark.browser,
    # Restore the rows migrations create (groups, disclaimers) after other tests' flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: Whether a payload ran, asked after a frame and a task: events such as `ontoggle` and
#: `onfocus` fire just after the page loads.
RAN = """() => new Promise((resolve) => requestAnimationFrame(
    () => setTimeout(() => resolve(window.__xss !== undefined), 0)))"""


@pytest.fixture
def watched_page(new_page):
    """A page without the CSP, recording every dialog (alert, confirm, prompt) it opens."""
    page = new_page(bypass_csp=True)
    page.dialogs = []

    def dismiss(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", dismiss)
    return page


def test_the_watch_sees_a_payload_that_runs(watched_page, live_server):
    """A control: markup that does run is noticed, so the test below can fail."""
    watched_page.goto(reverse("articles:home"))
    watched_page.evaluate(
        """() => document.body.insertAdjacentHTML(
            "beforeend", '<img src="/no-such-image" onerror="window.__xss=1; alert(1)">')"""
    )
    watched_page.wait_for_function("() => window.__xss === 1")
    assert watched_page.dialogs == ["alert: 1"]


def test_no_stored_payload_runs_in_the_browser(watched_page, live_server, django_user_model):
    superuser = django_user_model.objects.create_superuser("xss-admin", "x@example.com")
    client = Client()
    client.force_login(superuser)
    articles = {
        payload: store_through_admin(client, payload, number)
        for number, payload in enumerate(PAYLOADS)
    }
    urls = [
        reverse("articles:home"),
        reverse("articles:list"),
        reverse("articles:editorial-policy"),
    ]
    for payload, article in articles.items():
        urls += [
            article.get_absolute_url(),
            article.category.get_absolute_url(),
            article.author.get_absolute_url(),
            SitePage.objects.get(slug=article.category.slug).get_absolute_url(),
            reverse("articles:search") + "?q=" + quote(payload[:50]),
        ]

    ran = []
    for url in urls:
        response = watched_page.goto(url, wait_until="load")
        assert response.ok, (url, response.status)
        if watched_page.evaluate(RAN):
            ran.append(url)

    assert (ran, watched_page.dialogs) == ([], [])
