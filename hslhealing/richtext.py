"""
The one rich-text field type of the project.

Every rich-text model field is a `RichTextField`, so the editor behind it (today
django-prose-editor) can be swapped in this file alone. Stored HTML is sanitised with nh3 on
every save, not only when a form is cleaned: whatever a browser, an import or a script sends,
the database holds no script, no event handler and no `javascript:` URL.
"""

import nh3
from django_prose_editor.config import allowlist_from_extensions, expand_extensions
from django_prose_editor.fields import ProseEditorField

#: What an editor may use in a body: paragraphs, emphasis, lists and links. Headings are not
#: offered: a section's heading is its own field, so the outline stays structured.
EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Subscript": True,
    "Superscript": True,
    "HardBreak": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    # django-prose-editor turns the browser's spell checking off unless told otherwise;
    # editors want the red underline.
    "NoSpellCheck": False,
}

#: Outbound links in stored bodies get this `rel`, whatever the editor sent.
LINK_REL = "noopener nofollow"


def _build_cleaner():
    allowlist = allowlist_from_extensions(expand_extensions(EXTENSIONS))
    allowlist["attributes"]["a"].discard("rel")
    allowlist["link_rel"] = LINK_REL
    return nh3.Cleaner(**allowlist)


_cleaner = _build_cleaner()


def sanitize_html(html):
    """Return `html` reduced to the allowed tags and attributes; an empty paragraph is ''."""
    if not html:
        return ""
    cleaned = _cleaner.clean(html).strip()
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned


class RichTextField(ProseEditorField):
    """A TextField of sanitised HTML, edited with django-prose-editor in the admin."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("extensions", dict(EXTENSIONS))
        kwargs["sanitize"] = sanitize_html
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value
