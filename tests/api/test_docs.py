"""/api/v1/docs/: the API explained on a server-rendered page, in English and Spanish, linked from
every page's footer; and the OpenAPI schema at /api/v1/schema/."""

import pytest
import yaml

from api.writes import CommitmentPatch, MilestonePatch
from commitments.facets import FACET_FILTERS
from commitments.filters import CommitmentFilter
from reviews.scales import MISSING_CODES

pytestmark = pytest.mark.django_db


def test_the_docs_page_names_every_filter_scale_code_and_limit(client, settings):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for name in [*CommitmentFilter.base_filters, *FACET_FILTERS, "ordering", "cursor", "page_size"]:
        if name != "sort":
            assert f"<code>{name}" in html, name
    for code in MISSING_CODES:
        assert f"<code>{code}</code>" in html
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] in html
    for words in ("Retry-After", "If-None-Match", "Access-Control-Allow-Origin", "/api/v1/schema/"):
        assert words in html
    assert "<script" not in html  # the site's CSP allows no script from elsewhere; none is needed


def test_the_docs_page_explains_the_writes_with_every_field_they_take(client):
    html = client.get("/api/v1/docs/").content.decode()
    writes = html[html.index('id="writes"'):html.index('id="errors"')]
    for words in ("PATCH /api/v1/commitments/", "PATCH /api/v1/milestones/", 'href="/accounts/api-tokens/"',
                  "manage.py api_token USERNAME", "Authorization: Bearer", "409"):
        assert words in writes, words
    # Every field a write takes, read from the serializers, so a field added there is documented.
    for serializer in (CommitmentPatch, MilestonePatch):
        for name in serializer().fields:
            assert name in writes, name


def test_the_docs_page_in_spanish(client):
    html = client.get("/api/v1/docs/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "La API de ogptracker" in html and "código de valor ausente" in html
    assert "Escrituras, para el personal" in html and "la evidencia de este cambio" in html


def test_every_page_links_the_docs_from_its_footer(client, chile):
    for path in ("/", "/commitments/", "/members/chile/", "/commitments/CL0050/"):
        html = client.get(path).content.decode()
        footer = html[html.index('<footer'):]
        assert 'href="/api/v1/docs/"' in footer, path


def test_the_schema_is_openapi_3_with_every_read(client):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert schema["openapi"].startswith("3.")
    parameters = {p["name"] for p in schema["paths"]["/api/v1/commitments/"]["get"]["parameters"]}
    expected = {*CommitmentFilter.base_filters} - {"sort"} | {"ordering", "facets", "cursor", "page"}
    assert parameters >= expected
    assert "/api/v1/changes/" in schema["paths"] and "/api/v1/members/{slug}/" in schema["paths"]


def test_the_docs_state_the_refusals_as_the_server_answers_them(client, db):
    """A value naming nothing is a 404, any other /api/v1/ address too whatever the method, and the
    write's note is always required: said in English and in Spanish."""
    english = client.get("/api/v1/docs/", headers={"Accept-Language": "en"}).content.decode()
    assert "whatever the method" in english and "always required" in english
    spanish = client.get("/api/v1/docs/", headers={"Accept-Language": "es"}).content.decode()
    assert "sea cual sea el método" in spanish and "siempre obligatoria" in spanish
