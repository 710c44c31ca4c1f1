"""Build the POST data of the article admin page, nested inlines included, as a browser would."""

from html.parser import HTMLParser

INLINES = {
    "sections": {"studies": {}},
    "rda_tables": {"rows": {}},
    "citations": {},
    "related_links": {},
}


def management_form(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def inline_data(prefix, rows, children):
    """Rows are dicts of field values; a key naming a nested inline holds a list of rows."""
    initial = sum(1 for row in rows if row.get("id"))
    data = management_form(prefix, len(rows), initial)
    for index, row in enumerate(rows):
        form_prefix = f"{prefix}-{index}"
        for name, grandchildren in children.items():
            data |= inline_data(f"{form_prefix}-{name}", row.get(name, []), grandchildren)
        for field, value in row.items():
            if field not in children:
                data[f"{form_prefix}-{field}"] = "" if value is None else value
    return data


def article_post_data(fields, **inlines):
    """The whole change form: `fields` for the article, then one list of rows per inline."""
    data = dict(fields)
    for name, children in INLINES.items():
        data |= inline_data(name, inlines.get(name, []), children)
    return data


class _FormReader(HTMLParser):
    """Collect what a browser would submit from the first form with `form_id`."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.done = form_id, False, False
        self.data, self._textarea, self._select = {}, None, None

    def add(self, name, value):
        if name and "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id and not self.done:
            self.inside = True
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        kind = attrs.get("type", "text").lower()
        if tag == "input" and kind not in {"submit", "button", "file", "image", "reset"}:
            if kind not in {"checkbox", "radio"} or "checked" in attrs:
                self.add(name, attrs.get("value", "on" if kind in {"checkbox", "radio"} else ""))
        elif tag == "textarea":
            self._textarea = [name, ""]
        elif tag == "select":
            self._select = {"name": name, "multiple": "multiple" in attrs, "chosen": False}
        elif tag == "option" and self._select:
            self._select.setdefault("first", attrs.get("value", ""))
            if "selected" in attrs:
                self.add(self._select["name"], attrs.get("value", ""))
                self._select["chosen"] = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.add(name, text.removeprefix("\r").removeprefix("\n"))  # as browsers do
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select = self._select
            if not (select["chosen"] or select["multiple"]) and "first" in select:
                self.add(select["name"], select["first"])  # a browser sends the first option
            self._select = None


def form_data_from_page(html, form_id="article_form"):
    """The POST data a browser sends from the admin page `html` as it was opened, unchanged:
    hidden fields (the edit token), the article's fields and every nested inline row."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return {name: values if len(values) > 1 else values[0] for name, values in reader.data.items()}
