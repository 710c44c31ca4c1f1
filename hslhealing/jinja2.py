"""
The Jinja2 environment of the templates in templates/jinja2/ (the `jinja2` engine in settings).

Why Jinja2 at all: the article itself (its header, table of contents, sections, study
call-outs, intake tables and reference list) is most of the article page's nodes. Measured on
the demo article, Django's template language renders it in about 3.4 ms of CPU, Jinja2 in about
1.7 ms; the full render of benchmarks/render.py fell by some 3 ms (12.5-14.2 ms before,
9.5-10.9 ms after, in alternate runs). The rest of the site stays in Django templates, which
reach these through the `jinja2` tag (hslhealing/templatetags/jinja2_tags.py).

The output must be what Django's templates would write, byte for byte:
- every `{{ value }}` is escaped as Django escapes it (`&quot;` and `&#x27;`, where markupsafe
  writes `&#34;` and `&#39;`), by `finalize`; what is already safe (`|safe`, Django's
  SafeString) is left alone;
- `date` converts an aware datetime to the current time zone first, as Django's does;
- templates keep their last newline, as Django's includes do.
Only what those templates use is registered: `url`, `static` and `date`, and the articles
app's `picture` and `quantity` when it is installed.
"""

import html

from django.apps import apps
from django.template.defaultfilters import date
from django.templatetags.static import static
from django.urls import reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment
from markupsafe import Markup


def escape_as_django(value):
    """`value` as Django's templates write it: escaped unless it is already safe HTML."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


def local_date(value, format_string=None):
    """Django's `date` filter, with the time zone conversion Django's templates apply first."""
    return date(template_localtime(value), format_string)


def url(name, *args):
    """The path of the URL pattern `name` (Django's `{% url %}`)."""
    return reverse(name, args=args)


def environment(**options):
    environment = Environment(finalize=escape_as_django, keep_trailing_newline=True, **options)
    environment.globals.update({"url": url, "static": static})
    environment.filters.update({"date": local_date})
    # The article templates' own helpers. The references app renders its partial
    # (includes/reference_item.html) without them when it runs alone, without the articles app.
    if apps.is_installed("articles"):
        from articles.templatetags.article_tags import picture, quantity

        environment.globals["picture"] = picture
        environment.filters["quantity"] = quantity
    return environment
