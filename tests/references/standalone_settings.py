"""
The project's settings without the articles app: the references app's tests run with these
(`make test` runs them a second time so), to show that the app stands alone. Tables are made from
the models (`--no-migrations`): the app's early migrations still name the articles app, whose
citations table they made before it moved there.
"""

from hslhealing.settings import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "articles"]  # noqa: F405
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("articles.")]  # noqa: F405
for template in TEMPLATES:  # noqa: F405
    if "context_processors" in template["OPTIONS"]:  # Django's engine; Jinja2's has none
        template["OPTIONS"]["context_processors"] = [
            p for p in template["OPTIONS"]["context_processors"] if not p.startswith("articles.")
        ]
ROOT_URLCONF = "tests.references.urls"
