"""
Accessibility of the reader pages, checked with axe-core in Chromium.

axe-core comes from npm (`tests/browser/package.json`, installed by `make install`). A page may
have minor findings, but none that axe rates serious or critical.
"""

import json

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BLOCKING_IMPACTS = {"serious", "critical"}

READER_PAGES = {
    "home": "/",
    "article-list": "/articles/",
    "search": "/search/?q=magnesium",
    "article": "/articles/magnesium-glycinate-nerve-conduction/",
    "contributor": "/contributors/amelia-hart/",
    "editorial-policy": "/editorial-policy/",
}


def describe(violations):
    """One paragraph per violation: rule, impact, what it means, and the elements at fault."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:200]}")
            if node.get("failureSummary"):
                summary = " ".join(node["failureSummary"].split())
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("url", READER_PAGES.values(), ids=READER_PAGES.keys())
def test_reader_page_has_no_serious_accessibility_problems(new_page, demo, axe_script, url):
    # axe is injected as an inline script, which the site's Content-Security-Policy blocks.
    page = new_page(bypass_csp=True)
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    page.add_script_tag(path=axe_script)
    results = page.evaluate("() => axe.run(document)")

    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe-core {results['testEngine']['version']} finds serious or critical problems "
        f"on {url}:\n{describe(blocking)}"
    )
