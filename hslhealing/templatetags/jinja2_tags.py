"""
`{% jinja2 "includes/section.html" entry=entry %}`: a Jinja2 template (templates/jinja2/, see
hslhealing/jinja2.py for why some are) rendered inside a Django template, with only the
variables named in the tag. Its output is already escaped by Jinja2, so it is marked safe.
"""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(name="jinja2")
def render_jinja2(template_name, **context):
    """The Jinja2 template `template_name` rendered with `context`."""
    return mark_safe(engines["jinja2"].get_template(template_name).render(context))
