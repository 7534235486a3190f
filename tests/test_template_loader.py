"""The folding template loader (ogptracker/template_loader.py): pages render exactly as without it."""

import re

import pytest
from django.conf import settings
from django.template import engines
from django.test import override_settings
from django.utils import translation

# Django's own cached loader over the same templates: the reference output.
PLAIN_TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
    **settings.TEMPLATES[0]["OPTIONS"],
    "loaders": [("django.template.loaders.cached.Loader", [
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ])],
}}]

PAGES = [
    "/",
    "/commitments/",
    "/commitments/?member=chile&completion=substantial&sort=-year&page=1",
    "/commitments/?q=registro&page=99",
    "/commitments/CL0050/",
    "/members/",
    "/members/chile/",
    "/members/chile/plans/AP_CHL04/",
    "/members/chile/report/",
    "/accounts/login/",
    "/commitments/XX9999/",
    "/commitments/CL0050/?as_of=not-a-date",
]

# Each response has a freshly masked CSRF token.
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _pages(client, language):
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: language})
    return {url: CSRF_TOKEN.sub("csrf", client.get(url).content.decode()) for url in PAGES}


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_page_renders_the_same_as_with_djangos_cached_loader(chile, client, language):
    folded = _pages(client, language)
    with override_settings(TEMPLATES=PLAIN_TEMPLATES):
        plain = _pages(client, language)
    for url in PAGES:
        assert folded[url] == plain[url], url
    assert ("Compromisos" if language == "es" else "Commitments") in folded["/commitments/"]


def test_staff_pages_render_the_same_too(staff_client):
    url = "/commitments/CL0050/edit/"
    folded = CSRF_TOKEN.sub("csrf", staff_client.get(url).content.decode())
    with override_settings(TEMPLATES=PLAIN_TEMPLATES):
        plain = CSRF_TOKEN.sub("csrf", staff_client.get(url).content.decode())
    assert folded == plain
    assert "Sign out" in folded


def test_each_language_keeps_its_own_folded_template(db, client):
    spanish = client.get("/members/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get("/members/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Saltar al contenido principal" in spanish and "Skip to main content" not in spanish
    assert "Skip to main content" in english and "Saltar al contenido principal" not in english


def _template_dir(tmp_path, text):
    (tmp_path / "page.html").write_text(text)
    return [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]


def test_constant_tags_become_text_and_the_rest_still_renders(tmp_path):
    text = ('{% load i18n static %}<a href="{% url \'commitments:feed\' %}">{% translate "Members" %}</a>'
            '<img src="{% static \'css/site.css\' %}">{{ name }} '
            '{% translate "Members" as word %}{{ word|upper }}')
    with override_settings(TEMPLATES=_template_dir(tmp_path, text)), translation.override("es"):
        template = engines["django"].get_template("page.html")
        rendered = template.render({"name": "<b>"})
        node_types = [type(node).__name__ for node in template.template.nodelist]
    assert rendered == '<a href="/feed/">Miembros</a><img src="/static/css/site.css">&lt;b&gt; MIEMBROS'
    # The constant tags and the text around them are one text node; the variables stay nodes.
    assert node_types[:2] == ["LoadNode", "TextNode"]
    assert "TranslateNode" in node_types  # the one with "as": it sets a variable on each render


def test_tags_under_another_language_or_escaping_render_as_without_folding(tmp_path):
    text = ('{% load i18n %}{% translate "Members" %}|'
            '{% language "es" %}{% translate "Members" %}{% endlanguage %}|'
            "{% autoescape off %}{% translate \"ogptracker: all changes\" %}{% endautoescape %}|"
            "{% translate \"Track Open Government Partnership commitments, their milestones and the IRM's "
            'assessments." %}')
    templates = _template_dir(tmp_path, text)
    with override_settings(TEMPLATES=templates), translation.override("en"):
        rendered = engines["django"].get_template("page.html").render({})
    plain = [{**PLAIN_TEMPLATES[0], "DIRS": templates[0]["DIRS"]}]
    with override_settings(TEMPLATES=plain), translation.override("en"):
        assert engines["django"].get_template("page.html").render({}) == rendered
    first, in_spanish, unescaped, _escaped = rendered.split("|")
    assert (first, in_spanish, unescaped) == ("Members", "Miembros", "ogptracker: all changes")


def test_only_our_templates_are_folded_not_the_apps():
    from django.template.loader import get_template
    from django.templatetags.i18n import TranslateNode

    with translation.override("en"):
        admin_login = get_template("admin/login.html").template  # django.contrib.admin's
        ours = get_template("registration/login.html").template  # templates/registration/
    assert admin_login.nodelist.get_nodes_by_type(TranslateNode)
    assert not ours.nodelist.get_nodes_by_type(TranslateNode)
