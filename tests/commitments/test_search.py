"""Search: normalisation, the search text kept current by saves and loaddata, and matching."""

import json
import re
import unicodedata

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment, Institution
from commitments.search import (
    MAX_QUERY_LENGTH,
    SNIPPET_LENGTH,
    clean_query,
    normalize,
    search,
    snippet,
    words,
)
from commitments.stored import refresh_search_text
from tests.caches import clear_caches
from tests.commitments.factories import (
    ActionPlanFactory,
    CommitmentFactory,
    InstitutionFactory,
    PolicyAreaFactory,
)


def found(text) -> list[str]:
    return list(search(Commitment.objects.all(), text).values_list("identifier", flat=True))


# Normalisation ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("SECRETARÍA  Ejecutiva", "secretaria ejecutiva"),
    ("Ñuñoa, Valparaíso", "nunoa, valparaiso"),
    ("Çà et là: l'Été", "ca et la: l'ete"),
    ("  ", ""),
    ("", ""),
])
def test_normalize_lowercases_and_removes_accents(text, expected):
    assert normalize(text) == expected


def test_words_drop_punctuation():
    assert words("Co-creación (AP_CHL03): «Gobierno»!") == ["co", "creacion", "ap", "chl03", "gobierno"]


def test_clean_query_cuts_and_drops_control_characters():
    assert clean_query("a\x00b\x1fc") == ("a b c", False)
    cut, was_cut = clean_query("x" * (MAX_QUERY_LENGTH + 50))
    assert was_cut and len(cut) == MAX_QUERY_LENGTH


# The search text, kept current ------------------------------------------------------------------

@pytest.mark.django_db
def test_loaddata_fills_the_search_text(chile):
    assert not Commitment.objects.filter(search_text="").exists()
    cl0050 = Commitment.objects.get(identifier="CL0050")
    assert cl0050.search_text.startswith("cl0050 institutionalizing the alliance")
    assert "secretaria ejecutiva de gobierno abierto" in cl0050.search_text
    assert "ministerio secretaria general de la presidencia" in cl0050.search_text


@pytest.mark.django_db
def test_loaddata_with_institutions_after_their_commitments(tmp_path):
    """A fixture may list a commitment before its institutions: the text still names them."""
    plan = ActionPlanFactory()
    fixture = [
        {"model": "commitments.commitment", "pk": 901,
         "fields": {"identifier": "ZZ0901", "action_plan": plan.pk, "title": "Registro de lobby",
                    "lead_institution": 902, "supporting_institutions": [903],
                    "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"}},
        {"model": "commitments.institution", "pk": 902, "fields": {"name": "Contraloría General"}},
        {"model": "commitments.institution", "pk": 903, "fields": {"name": "Consejo para la Transparencia"}},
    ]
    path = tmp_path / "forward.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    call_command("loaddata", str(path), verbosity=0)
    text = Commitment.objects.get(identifier="ZZ0901").search_text
    assert "registro de lobby" in text
    assert "contraloria general" in text
    assert "consejo para la transparencia" in text


@pytest.mark.django_db
def test_saving_a_commitment_updates_its_text():
    commitment = CommitmentFactory(title="Portal de datos abiertos")
    assert "portal de datos abiertos" in Commitment.objects.get(pk=commitment.pk).search_text
    commitment.title = "Ley de Participación Ciudadana"
    commitment.save()
    assert "ley de participacion ciudadana" in Commitment.objects.get(pk=commitment.pk).search_text


@pytest.mark.django_db
def test_saving_only_some_fields_still_updates_the_text():
    commitment = CommitmentFactory(title="Old title")
    commitment.title = "Nuevo título"
    commitment.save(update_fields=["title"])
    assert "nuevo titulo" in Commitment.objects.get(pk=commitment.pk).search_text


@pytest.mark.django_db
def test_supporting_institutions_changes_update_the_text():
    commitment = CommitmentFactory()
    helper = InstitutionFactory(name="Biblioteca del Congreso")
    commitment.supporting_institutions.add(helper)
    assert "biblioteca del congreso" in Commitment.objects.get(pk=commitment.pk).search_text
    commitment.supporting_institutions.remove(helper)
    assert "biblioteca" not in Commitment.objects.get(pk=commitment.pk).search_text
    # From the institution's side too.
    helper.supported_commitments.add(commitment)
    assert "biblioteca" in Commitment.objects.get(pk=commitment.pk).search_text
    helper.supported_commitments.clear()
    assert "biblioteca" not in Commitment.objects.get(pk=commitment.pk).search_text


@pytest.mark.django_db
def test_renaming_an_institution_updates_its_commitments():
    lead = InstitutionFactory(name="Ministerio de Hacienda")
    helper = InstitutionFactory(name="Dirección de Presupuestos")
    led = CommitmentFactory(lead_institution=lead)
    supported = CommitmentFactory(supporting_institutions=[helper])
    lead.name = "Ministerio de Economía"
    lead.save()
    helper.name = "Servicio Civil"
    helper.save()
    assert "ministerio de economia" in Commitment.objects.get(pk=led.pk).search_text
    assert "hacienda" not in Commitment.objects.get(pk=led.pk).search_text
    assert "servicio civil" in Commitment.objects.get(pk=supported.pk).search_text


@pytest.mark.django_db
def test_deleting_a_supporting_institution_removes_its_name():
    helper = InstitutionFactory(name="Oficina Temporal")
    commitment = CommitmentFactory(supporting_institutions=[helper])
    helper.delete()
    assert not Institution.objects.filter(name="Oficina Temporal").exists()
    assert "temporal" not in Commitment.objects.get(pk=commitment.pk).search_text


@pytest.mark.django_db
def test_refresh_search_text_after_a_bulk_update(django_assert_max_num_queries):
    commitments = [CommitmentFactory(title=f"Plan {n}") for n in range(30)]
    Commitment.objects.update(title="Título masivo", search_text="")
    with django_assert_max_num_queries(4):
        changed = refresh_search_text(Commitment.objects.all())
    assert changed == 30
    refreshed = Commitment.objects.filter(pk__in=[c.pk for c in commitments])
    assert all("titulo masivo" in c.search_text for c in refreshed)
    # Nothing left to change: nothing written.
    assert refresh_search_text([c.pk for c in commitments]) == 0


@pytest.mark.django_db
def test_refresh_search_text_keeps_updated_at_and_version():
    commitment = CommitmentFactory(title="Stable")
    before = Commitment.objects.values("updated_at", "version").get(pk=commitment.pk)
    Commitment.objects.filter(pk=commitment.pk).update(search_text="")
    refresh_search_text([commitment])
    assert Commitment.objects.values("updated_at", "version").get(pk=commitment.pk) == before


# Matching ---------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("query", ["secretaria ejecutiva de gobierno abierto", "SECRETARÍA Ejecutiva",
                                   "Secretaría Ejecutiva de Gobierno Abierto", "CL0050"])
def test_the_seed_is_found_whatever_the_accents_and_case(chile, query):
    assert "CL0050" in found(query)


@pytest.mark.django_db
def test_every_word_must_match(chile):
    assert "CL0050" in found("secretaria ejecutiva")
    assert found("secretaria ejecutiva zanahoria") == []


@pytest.mark.django_db
def test_a_word_prefix_matches(chile):
    assert "CL0050" in found("secretar ejecut")


@pytest.mark.django_db
def test_an_empty_or_punctuation_only_search_is_no_filter(chile):
    assert len(found("")) == len(found("¡¿...?!")) == 62


@pytest.mark.django_db
def test_tsquery_syntax_in_the_search_is_plain_text(chile):
    assert found("secretaria & | ! :* ( ejecutiva") == found("secretaria ejecutiva")


only_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="the stored vector and its index exist on PostgreSQL only")


@pytest.mark.django_db
@only_postgresql
def test_postgresql_search_can_use_the_full_text_index(chile):
    queryset = search(Commitment.objects.order_by(), "secretaria ejecutiva")
    assert '"commitments_commitment"."search_vector" @@' in str(queryset.query)
    with connection.cursor() as cursor:
        # 62 rows are cheaper to scan: forbid the scan to see that the index serves the column.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "commitment_search_vector_gin" in plan


@pytest.mark.django_db
@only_postgresql
def test_the_stored_vector_follows_the_search_text():
    commitment = CommitmentFactory(title="Presupuesto participativo")
    commitment.title = "Transparencia municipal"
    commitment.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector = to_tsvector('simple'::regconfig, search_text), "
                       "search_vector::text FROM commitments_commitment WHERE id = %s", [commitment.pk])
        same, vector = cursor.fetchone()
    assert same
    assert "'transparencia'" in vector
    assert "presupuesto" not in vector
    assert found("transparen municipal") == [commitment.identifier]


@pytest.mark.django_db
def test_search_works_as_a_subquery(chile):
    # Inside a subquery the commitment table gets another alias: the vector must follow it.
    matching = search(Commitment.objects.all(), "Secretaría ejecut").values("pk")
    assert "CL0050" in Commitment.objects.filter(pk__in=matching).values_list("identifier", flat=True)


# The snippet: why a row matches -----------------------------------------------------------------

LIST_URL = "/commitments/"


def snippets(client, query, **headers) -> dict[str, str]:
    """identifier -> the HTML of its row's snippet, on the list searched for `query`."""
    response = client.get(LIST_URL, {"q": query}, follow=True, **headers)
    assert response.status_code == 200
    found = {}
    row = r'<td class="identifier-cell">([^<]+)</td>\s*<th scope="row">(.*?)</th>'
    for identifier, title_cell in re.findall(row, response.content.decode(), flags=re.S):
        snippet_html = re.search(r'<p class="snippet">(.*?)</p>', title_cell, flags=re.S)
        found[identifier] = snippet_html.group(1) if snippet_html else None
    return found


def marked(html) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


@pytest.mark.django_db
def test_a_search_shows_where_each_row_matches_with_the_words_marked(client):
    CommitmentFactory(identifier="SN0001", title="Open data portal",
                      description="The council publishes its budget. Ley de Transparéncia activa, en línea.")
    found = snippets(client, "transparencia activa")
    assert found["SN0001"] == ('<span class="snippet-source">Description:</span> The council publishes its '
                               'budget. Ley de <mark>Transparéncia</mark> <mark>activa</mark>, en línea.')


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["TRANSPARENCIA", "transparéncia", "Transparencia", "transparen"])
def test_the_snippet_ignores_accents_and_case_like_the_search(client, query):
    CommitmentFactory(identifier="SN0002", title="Open data portal",
                      description="Consejo para la Transparéncia")
    assert marked(snippets(client, query)["SN0002"]) == [
        "Transparén" if query == "transparen" else "Transparéncia"]


@pytest.mark.django_db
def test_the_snippet_comes_from_the_text_with_most_of_the_words(client, chile):
    found = snippets(client, "secretaria ejecutiva gobierno abierto")
    assert "CL0050" in found
    # Its short title has all four words (its title, in English, none).
    assert found["CL0050"].startswith('<span class="snippet-source">Short title:</span> Institucionalización')
    assert {normalize(word) for word in marked(found["CL0050"])} == {"secretaria", "ejecutiva", "gobierno",
                                                                     "abierto"}


@pytest.mark.django_db
def test_stored_markup_shows_as_text(client):
    CommitmentFactory(identifier="SN0003", title='<b onmouseover="alert(1)">Transparencia</b>',
                      description="<img src=x onerror=alert(1)> transparencia <script>alert(2)</script>")
    response = client.get(LIST_URL, {"q": "transparencia"}, follow=True)
    html = response.content.decode()
    assert "<img" not in html and "<script>alert" not in html and "<b onmouseover" not in html
    found = snippets(client, "transparencia")["SN0003"]
    assert "&lt;b onmouseover=&quot;alert(1)&quot;&gt;<mark>Transparencia</mark>&lt;/b&gt;" in found
    # A query word inside the markup is marked as text, the markup around it still escaped.
    found = snippets(client, "img onerror")["SN0003"]
    assert marked(found) == ["img", "onerror"]
    assert "&lt;<mark>img</mark> src=x <mark>onerror</mark>=alert(1)&gt;" in found


@pytest.mark.django_db
def test_a_query_of_markup_marks_nothing_but_text(client):
    CommitmentFactory(identifier="SN0004", title="Mark my words", description="mark")
    found = snippets(client, "<mark> mark")["SN0004"]
    assert found.count("<mark>") == found.count("</mark>") == 1
    assert "&lt;mark&gt;" not in found


@pytest.mark.django_db
def test_control_characters_in_the_stored_text_are_harmless(client):
    commitment = CommitmentFactory(identifier="SN0005", title="Portal")
    # The validators refuse them on every form; a bulk write does not pass through them.
    Commitment.objects.filter(pk=commitment.pk).update(
        description="Ley\x07 de\x1b[31m transparencia\x0b\x7factiva")
    refresh_search_text([commitment.pk])
    response = client.get(LIST_URL, {"q": "transparencia"}, follow=True)
    assert response.status_code == 200
    found = snippets(client, "transparencia")["SN0005"]
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", found)
    # Each one a space, which the page shows as HTML does any run of spaces.
    assert " ".join(found.split()).endswith("Ley de [31m <mark>transparencia</mark> activa")


@pytest.mark.django_db
def test_a_long_text_is_cut_around_the_match(client):
    before, after = "antes " * 400, " después" * 400
    CommitmentFactory(identifier="SN0006", title="Portal", description=f"{before}Transparencia activa{after}")
    found = snippets(client, "transparencia")["SN0006"]
    text = re.sub(r"<[^>]+>", "", found).removeprefix("Description: ")
    assert text.startswith("…antes ") and text.endswith(" después…")
    assert len(text) <= SNIPPET_LENGTH + 2
    assert marked(found) == ["Transparencia"]
    # The match sits near the start, with a few words before it.
    assert 30 < text.index("Transparencia") <= 62


@pytest.mark.django_db
def test_a_match_only_in_a_supporting_institution_shows_its_name_as_written(client):
    helper = InstitutionFactory(name="Biblioteca del Congreso Nacional")
    CommitmentFactory(identifier="SN0007", title="Portal", supporting_institutions=[helper])
    found = snippets(client, "biblioteca congreso")["SN0007"]
    assert found == ('<span class="snippet-source">Supporting institutions:</span> '
                     '<mark>Biblioteca</mark> del <mark>Congreso</mark> Nacional')


@pytest.mark.django_db
def test_the_spanish_page_names_the_source_in_spanish(client):
    CommitmentFactory(identifier="SN0008", title="Portal", description="Consejo para la Transparencia")
    helper = InstitutionFactory(name="Biblioteca del Congreso")
    CommitmentFactory(identifier="SN0009", title="Otro", supporting_institutions=[helper])
    found = snippets(client, "transparencia", HTTP_ACCEPT_LANGUAGE="es")["SN0008"]
    assert found.startswith('<span class="snippet-source">Descripción:</span>')
    assert marked(found) == ["Transparencia"]
    found = snippets(client, "biblioteca", HTTP_ACCEPT_LANGUAGE="es")["SN0009"]
    assert found.startswith('<span class="snippet-source">Instituciones de apoyo:</span>')


@pytest.mark.django_db
def test_without_a_search_rows_have_no_snippet(client):
    CommitmentFactory(identifier="SN0010", title="Transparencia")
    response = client.get(LIST_URL, follow=True)
    assert "SN0010" in response.content.decode()
    assert 'class="snippet"' not in response.content.decode() and "<mark>" not in response.content.decode()


@pytest.mark.django_db
def test_the_snippet_adds_no_query(client, django_assert_max_num_queries):
    """The snippet's texts come in the rows' own query: as many queries for 50 rows as for 5."""
    for n in range(5):
        CommitmentFactory(description=f"Transparencia {n}")
    clear_caches()  # the facets' counts, cached per state: count them each time
    with CaptureQueriesContext(connection) as few:
        assert len(snippets(client, "transparencia")) == 5
    for n in range(45):
        CommitmentFactory(description=f"Transparencia {n}")
    clear_caches()
    with django_assert_max_num_queries(len(few)):
        found = snippets(client, "transparencia")
    assert len(found) == 25
    assert all(marked(html) == ["Transparencia"] for html in found.values())


@pytest.mark.parametrize(("text", "expected"), [
    # Characters folding to more or fewer characters: the marks stay on whole characters.
    ("Straße der Transparenz", ["Straße"]),
    # A decomposed accent matches too, shown composed.
    ("Transpare\u0301ncia activa", ["Transparéncia"]),
    ("ﬁnanzas públicas", ["ﬁnanzas"]),
])
def test_the_snippet_marks_whole_characters(text, expected):
    query = {"Straße der Transparenz": "strasse", "ﬁnanzas públicas": "finanzas"}.get(text, "transparencia")
    source, pieces, cut_before, cut_after = snippet({"description": text}, words(query))
    assert source == "description" and not cut_before and not cut_after
    assert [piece for piece, matched in pieces if matched] == expected
    assert "".join(piece for piece, _ in pieces) == unicodedata.normalize("NFC", text)


def test_overlapping_matches_make_one_mark():
    pieces = snippet({"title": "Xabcd y"}, words("abc bcd y"))[1]
    assert pieces == [("X", False), ("abcd", True), (" ", False), ("y", True)]



# Relevance: the order of a search's results unless sorted -----------------------------------------

def listed(client, params, **headers) -> list[str]:
    """The identifiers of the list's rows, in order, for these parameters (no redirect expected)."""
    response = client.get(LIST_URL, params, **headers)
    assert response.status_code == 200
    return re.findall(r'<td class="identifier-cell">([^<]+)</td>', response.content.decode())


@pytest.fixture
def wetlands(db):
    """Three commitments found by "humedales costeros", in identifier order the reverse of relevance."""
    CommitmentFactory(identifier="RL0001", title="Portal de datos",
                      description="Los humedales costeros y otros humedales costeros del país.")
    CommitmentFactory(identifier="RL0002", title="Plan de HUMEDALES",
                      description="Un registro público de los sitios costeros.")
    CommitmentFactory(identifier="RL0003", title="Protección de Humedales Costeros", description="Un plan.")


@pytest.mark.django_db
def test_a_search_lists_title_matches_first(client, wetlands):
    # Both words in the title, then one (and the other in the description), then none in the title.
    assert listed(client, {"q": "humedales costeros"}) == ["RL0003", "RL0002", "RL0001"]
    # Accents and case do not matter to the ranking either.
    assert listed(client, {"q": "HUMEDALES costéros"}) == ["RL0003", "RL0002", "RL0001"]


@pytest.mark.django_db
def test_a_title_match_ranks_above_a_description_only_match(client):
    CommitmentFactory(identifier="RL0010", title="Datos abiertos",
                      description="Transparencia activa, transparencia pasiva y más transparencia.")
    CommitmentFactory(identifier="RL0011", title="Ley de Transparencia", description="Una reforma.")
    assert listed(client, {"q": "transparencia"}) == ["RL0011", "RL0010"]


@pytest.mark.django_db
def test_a_sort_given_replaces_relevance(client, wetlands):
    assert listed(client, {"q": "humedales costeros", "sort": "identifier"}) == ["RL0001", "RL0002", "RL0003"]
    assert listed(client, {"q": "humedales costeros", "sort": "-title"}) == ["RL0003", "RL0001", "RL0002"]


@pytest.mark.django_db
def test_relevance_is_the_default_with_a_search_and_nothing_without(client, wetlands):
    # The canonical URL leaves the default out; the identifier order with a search is no default.
    response = client.get(LIST_URL, {"q": "humedales", "sort": "relevance"})
    assert response.status_code == 302 and response["Location"] == f"{LIST_URL}?q=humedales"
    response = client.get(LIST_URL, {"sort": "relevance"})
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert client.get(LIST_URL, {"q": "humedales", "sort": "identifier"}).status_code == 200
    response = client.get(LIST_URL, {"sort": "identifier"})
    assert response.status_code == 302 and response["Location"] == LIST_URL
    # A query of punctuation only searches nothing: the identifier order, and no relevance to name.
    assert listed(client, {"q": "¿?"}) == ["RL0001", "RL0002", "RL0003"]


@pytest.mark.django_db
def test_a_cached_page_keeps_the_redirect_of_its_other_spellings(client, wetlands):
    """The page cache skips the redirect for a kept page: the kept one must have been canonical."""
    clear_caches()
    assert listed(client, {"q": "humedales"}) == listed(client, {"q": "humedales"})
    assert client.get(LIST_URL, {"q": "humedales", "sort": "relevance"}).status_code == 302
    assert listed(client, {"q": "humedales", "sort": "identifier"}) == ["RL0001", "RL0002", "RL0003"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_list_says_it_is_ordered_by_relevance(client, wetlands, language):
    html = client.get(LIST_URL, {"q": "humedales"}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    label = {"en": "Relevance (best match first)", "es": "Relevancia (mejor coincidencia primero)"}[language]
    assert f'<option value="relevance" selected>{label}</option>' in html
    # No column head claims the order, and each links to its own sort, keeping the search.
    head = html[html.index("<thead"):html.index("</thead>")]
    assert "aria-sort" not in head
    assert 'href="?q=humedales&amp;sort=identifier"' in head
    html = client.get(LIST_URL, {"q": "humedales", "sort": "title"}).content.decode()
    assert '<option value="relevance">' in html and '<option value="title" selected>' in html
    head = html[html.index("<thead"):html.index("</thead>")]
    assert head.count('aria-sort="ascending"') == 1 and 'href="?q=humedales&amp;sort=-title"' in head
    # Without a search the identifier order is current (its head says so); the select keeps the
    # default, so that a search typed in the same form comes by relevance.
    html = client.get(LIST_URL).content.decode()
    assert '<option value="relevance" selected>' in html
    head = html[html.index("<thead"):html.index("</thead>")]
    assert head.count('aria-sort="ascending"') == 1


@pytest.mark.django_db
def test_pages_of_equally_relevant_results_are_stable(client):
    for number in range(30, 0, -1):
        CommitmentFactory(identifier=f"EQ{number:04d}", title="Gobierno abierto", description="Igual.")
    first = listed(client, {"q": "gobierno abierto"})
    second = listed(client, {"q": "gobierno abierto", "page": 2})
    assert first + second == [f"EQ{number:04d}" for number in range(1, 31)]


@pytest.mark.django_db
def test_the_api_and_the_exports_follow_the_same_order(client, wetlands):
    items = client.get("/api/v1/commitments/", {"q": "humedales costeros"}).json()["results"]
    assert [item["identifier"] for item in items] == ["RL0003", "RL0002", "RL0001"]
    items = client.get("/api/v1/commitments/", {"q": "humedales costeros", "ordering": "identifier"}).json()
    assert [item["identifier"] for item in items["results"]] == ["RL0001", "RL0002", "RL0003"]
    items = client.get("/api/v1/commitments/", {"q": "humedales costeros", "ordering": "relevance"}).json()
    assert [item["identifier"] for item in items["results"]] == ["RL0003", "RL0002", "RL0001"]
    # A cursor walks in identifier order whatever the search.
    items = client.get("/api/v1/commitments/", {"q": "humedales costeros", "cursor": ""}).json()
    assert [item["identifier"] for item in items["results"]] == ["RL0001", "RL0002", "RL0003"]
    export = b"".join(client.get("/commitments/export.csv", {"q": "humedales costeros"}).streaming_content)
    text = export.decode("utf-8-sig")
    assert text.index("RL0003") < text.index("RL0002") < text.index("RL0001")


@pytest.mark.django_db
def test_the_ranking_runs_on_hostile_input(client):
    CommitmentFactory(identifier="RL0020", title="<b>Ley</b> ' OR 1=1 -- \\ % _",
                      description="ley % _ \\ 'x'")
    for query in ["ley ' OR 1=1 --", "% _ \\", "ley:* & !x", "ß ﬁ É", "ley \x00"]:
        response = client.get(LIST_URL, {"q": query}, follow=True)
        assert response.status_code == 200
    assert listed(client, {"q": "ley"}) == ["RL0020"]


@pytest.mark.django_db
def test_the_seed_searched_shows_its_words_as_written(client, chile):
    """A search on the seed: every snippet's marked words are as the page's texts spell them."""
    found = snippets(client, "secretaria general presidencia")
    assert found
    for html in found.values():
        assert html and marked(html)
        assert all(word[0].isupper() or word in ("general", "presidencia") for word in marked(html))
    assert any("Secretaría" in marked(html) for html in found.values())


# Search boxes and the facet page's choosing form ------------------------------------------------

def form_fields(html, form_class) -> tuple[str, list[tuple[str, str]], list[tuple[str, str, bool]]]:
    """A form's action, its hidden (name, value)s and its boxes (name, value, checked), in order."""
    form = re.search(rf'<form method="get" action="([^"]*)" class="{form_class}"[^>]*>(.*?)</form>', html,
                     re.S)
    assert form, form_class
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    boxes = [(name, value, bool(checked)) for name, value, checked in re.findall(
        r'<input type="(?:checkbox|radio)" name="([^"]+)" value="([^"]*)"( checked)?', form.group(2))]
    return form.group(1), hidden, boxes


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_home_page_search_box_opens_the_list_searched(client, chile, language):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    action, hidden, _boxes = form_fields(html, "search-box")
    assert action == LIST_URL and hidden == []
    label = {"en": "Search the commitments", "es": "Buscar en los compromisos"}[language]
    assert f'<label for="home-search" id="home-search-label">{label}</label>' in html
    assert '<input type="search" id="home-search" name="q"' in html
    response = client.get(action, {"q": "Secretaría Ejecutiva"}, follow=True)
    assert response.status_code == 200 and "CL0050" in listed(client, {"q": "Secretaría Ejecutiva"})


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_member_page_search_box_searches_that_members_commitments(client, chile, language):
    other = CommitmentFactory(identifier="ZZ0001", title="Secretaría ejecutiva de otro país")
    html = client.get("/members/chile/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    action, hidden, _boxes = form_fields(html, "search-box")
    assert action == LIST_URL and hidden == [("member", "chile")]
    label = {"en": "Search Chile's commitments", "es": "Buscar en los compromisos de Chile"}[language]
    assert f'id="member-search-label">{label}</label>' in html
    found = listed(client, [("q", "secretaria ejecutiva"), *hidden])  # the form's order
    assert "CL0050" in found and other.identifier not in found
    assert other.identifier in listed(client, {"q": "secretaria ejecutiva"})


@pytest.mark.django_db
def test_ticking_several_choices_on_a_facet_page_lists_their_union(client):
    areas = [PolicyAreaFactory(name=name, slug=name.lower()) for name in ("Agua", "Bosques", "Costas")]
    for number, area in enumerate([*areas, areas[0]]):
        CommitmentFactory(identifier=f"FU000{number}", title="Gobierno abierto" if number < 3 else "Otro",
                          policy_areas=[area])
    url = "/commitments/facets/policy_area/"
    html = client.get(url, {"q": "gobierno", "sort": "-year"}).content.decode()
    action, hidden, boxes = form_fields(html, "facet-choose")
    assert action == LIST_URL
    assert hidden == [("q", "gobierno"), ("sort", "-year")]  # the list's state, kept
    assert boxes == [("policy_area", "agua", False), ("policy_area", "bosques", False),
                     ("policy_area", "costas", False)]
    ticked = [("policy_area", "agua"), ("policy_area", "bosques")]
    response = client.get(action, [*hidden, *ticked], follow=True)
    assert response.status_code == 200
    shown = re.findall(r'<td class="identifier-cell">([^<]+)</td>', response.content.decode())
    assert sorted(shown) == ["FU0000", "FU0001"]
    # Back on the facet page, both are ticked: unticking one and applying removes it alone.
    html = client.get(url, [*hidden, *ticked]).content.decode()
    _action, hidden, boxes = form_fields(html, "facet-choose")
    assert [(name, value) for name, value, checked in boxes if checked] == ticked
    assert listed(client, [("q", "gobierno"), ("policy_area", "bosques"), ("sort", "-year")]) == ["FU0001"]


@pytest.mark.django_db
def test_choices_the_facet_page_does_not_show_are_kept(client):
    alpha = InstitutionFactory(name="Alpha Office")
    beta = InstitutionFactory(name="Beta Office")
    gamma = InstitutionFactory(name="Gamma Agency")
    for number, institution in enumerate((alpha, beta, gamma)):
        CommitmentFactory(identifier=f"FP000{number}", lead_institution=institution)
    # Alpha chosen; the facet search shows only the offices' names with "beta".
    html = client.get("/commitments/facets/lead_institution/",
                      {"lead_institution": alpha.pk, "facet_q": "beta"}).content.decode()
    action, hidden, boxes = form_fields(html, "facet-choose")
    assert hidden == [("lead_institution", str(alpha.pk))]
    assert boxes == [("lead_institution", str(beta.pk), False)]
    assert listed(client, [*hidden, ("lead_institution", str(beta.pk))]) == ["FP0000", "FP0001"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_facet_page_of_one_value_offers_radio_buttons(client, language):
    CommitmentFactory(identifier="FP0010", status=Commitment.Status.ACTIVE)
    CommitmentFactory(identifier="FP0011", status=Commitment.Status.INACTIVE)
    response = client.get("/commitments/facets/status/", {"status": "active"}, HTTP_ACCEPT_LANGUAGE=language)
    action, hidden, boxes = form_fields(response.content.decode(), "facet-choose")
    assert hidden == [] and ("status", "active", True) in boxes and ("status", "inactive", False) in boxes
    assert '<input type="radio"' in response.content.decode()
    text = {"en": "Apply to the list", "es": "Aplicar a la lista"}[language]
    assert f'<button type="submit">{text}</button>' in response.content.decode()
    assert listed(client, {"status": "inactive"}) == ["FP0011"]


@pytest.mark.django_db
def test_hostile_choice_names_stay_text_on_the_facet_page(client):
    institution = InstitutionFactory(name='"><script>alert(1)</script> Ofic\u00edna')
    CommitmentFactory(identifier="FP0020", lead_institution=institution)
    html = client.get("/commitments/facets/lead_institution/", {"q": '"><b>x'}).content.decode()
    assert "<script>alert" not in html and "<b>x" not in html
    html = client.get("/commitments/facets/lead_institution/").content.decode()
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; Ofic\u00edna" in html


@pytest.mark.django_db
def test_relevance_and_snippets_add_no_query(client, wetlands, django_assert_max_num_queries):
    """The ranking is in the rows' query, the snippets' texts (institutions' names too) as well."""
    clear_caches()
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client, {"q": "humedales"})) == 3
    for number in range(40):
        CommitmentFactory(title=f"Humedales {number}", supporting_institutions=[InstitutionFactory()])
    clear_caches()
    # 12 on 2026-12-08: the version, the facets' counts (a search's ids once), the rows.
    with django_assert_max_num_queries(min(len(few), 12)):
        assert len(listed(client, {"q": "humedales"})) == 25


@pytest.mark.django_db
def test_a_search_typed_in_the_lists_own_form_comes_by_relevance(client, wetlands):
    """The form preselects no order the visitor did not choose: a search typed in it (the other
    fields as the page left them) is sorted by relevance, not sent with sort=identifier."""
    from tests.html_forms import form_data

    page = client.get(LIST_URL).content.decode()
    assert re.search(r'<option value="relevance" selected>', page)
    data = form_data(page, "commitment-filters")
    data["q"] = "humedales costeros"
    response = client.get(LIST_URL, data, follow=True)
    assert "sort=" not in response.redirect_chain[-1][0] if response.redirect_chain else True
    rows = re.findall(r'<td class="identifier-cell">([^<]+)</td>', response.content.decode())
    assert rows == ["RL0003", "RL0002", "RL0001"]
    # A sort the visitor chose stays chosen in the form.
    chosen = client.get(LIST_URL, {"q": "humedales", "sort": "-title"}).content.decode()
    assert re.search(r'<option value="-title" selected>', chosen)
