"""Read an HTML form the way a browser submits it, so tests post what a user would."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and not a.get("disabled"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file"):
                self._add(a["name"], a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def form_data(html: str, form_id: str | None = None) -> dict:
    """The name/value pairs the form would submit; lists where a name has several values."""
    reader = _FormReader(form_id)
    reader.feed(html)
    # A textarea's first newline is not part of its value.
    return {name: (values[0].removeprefix("\n") if len(values) == 1 else values)
            for name, values in reader.data.items()}
