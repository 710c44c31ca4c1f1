"""The Jinja2 environment writes what Django's templates would (hslhealing/jinja2.py)."""

import datetime

from django.template import Context, Template, engines
from django.utils import timezone
from django.utils.safestring import mark_safe

QUOTES_AND_TAGS = "<a href=\"x\">Tom's & Jerry's</a>"


def render_both(django_source, jinja_source, **context):
    django = Template(django_source).render(Context(context))
    jinja = engines["jinja2"].from_string(jinja_source).render(context)
    return django, jinja


def test_variables_are_escaped_as_django_escapes_them():
    django, jinja = render_both("{{ value }}", "{{ value }}", value=QUOTES_AND_TAGS)
    assert jinja == django == "&lt;a href=&quot;x&quot;&gt;Tom&#x27;s &amp; Jerry&#x27;s&lt;/a&gt;"


def test_safe_html_is_written_as_it_is():
    django, jinja = render_both(
        "{{ value|safe }} {{ marked }}",
        "{{ value|safe }} {{ marked }}",
        value=QUOTES_AND_TAGS,
        marked=mark_safe("<em>kept</em>"),
    )
    assert jinja == django == f"{QUOTES_AND_TAGS} <em>kept</em>"


def test_dates_are_shown_in_the_current_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime.datetime(2024, 12, 12, 23, 30, tzinfo=datetime.UTC)
    with timezone.override("Europe/Paris"):
        django, jinja = render_both(
            "{{ moment|date:'c' }} {{ moment|date:'j F Y' }}",
            "{{ moment|date('c') }} {{ moment|date('j F Y') }}",
            moment=moment,
        )
    assert jinja == django == "2024-12-13T00:30:00+01:00 13 December 2024"


def test_templates_keep_their_last_newline_as_django_includes_do():
    django, jinja = render_both("{{ value }}\n", "{{ value }}\n", value="end")
    assert jinja == django == "end\n"
