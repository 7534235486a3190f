"""Search: normalisation, the search text kept current by saves and loaddata, and matching."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from commitments.models import Commitment, Institution
from commitments.search import MAX_QUERY_LENGTH, clean_query, normalize, search, words
from commitments.stored import refresh_search_text
from tests.commitments.factories import ActionPlanFactory, CommitmentFactory, InstitutionFactory


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
