"""HTTP as clients expect (issue 23.10): validators and 304 for GET and HEAD on the exports, the feeds
and the API; Cache-Control public for anonymous answers and private for signed-in ones; gzip for
text; CORS for the conditional headers and for the feeds and exports."""

import gzip
import http.client
import io
from urllib.parse import urlsplit

import pytest
from django.test import Client
from openpyxl import load_workbook

from commitments.models import Commitment

pytestmark = pytest.mark.django_db

EXPORTS = ["/commitments/export.csv", "/commitments/export.json", "/commitments/export.xlsx",
           "/commitments/export.csv?member=chile&status=active"]
FEEDS = ["/feed/", "/members/chile/feed/", "/commitments/CL0050/feed/"]
API = ["/api/v1/commitments/?member=chile", "/api/v1/commitments/CL0050/"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def edit_a_title():
    commitment = Commitment.objects.get(identifier="CL0050")
    commitment.title = commitment.title + " (revised)"
    commitment._change_reason = "Retitled"
    commitment.save()


@pytest.mark.parametrize("url", EXPORTS + FEEDS + API)
def test_a_revalidation_is_answered_304_for_get_and_head_until_the_data_changes(chile, client, url):
    first = client.get(url)
    assert first.status_code == 200
    body(first)
    etag, modified = first["ETag"], first["Last-Modified"]
    for method in (client.get, client.head):
        assert method(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert method(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304  # as a gzip answer had it
        assert method(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified["ETag"] == etag and not_modified.content == b""

    edit_a_title()
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag
    body(again)
    assert client.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_export_after_a_write_is_the_new_data(chile, client):
    etag = client.get("/commitments/export.xlsx")["ETag"]
    edit_a_title()
    response = client.get("/commitments/export.xlsx", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    assert any("(revised)" in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


def test_the_same_filters_in_another_order_share_a_validator(chile, client):
    one = client.get("/commitments/export.csv?member=chile&status=active")["ETag"]
    other = client.get("/commitments/export.csv?status=active&member=chile")["ETag"]
    assert one == other != client.get("/commitments/export.csv?member=chile")["ETag"]


@pytest.mark.parametrize("url", ["/", "/commitments/", "/commitments/CL0050/", "/members/chile/",
                                 "/commitments/export.csv", "/feed/", "/api/v1/commitments/"])
def test_anonymous_answers_may_be_kept_by_any_cache_for_a_minute(chile, url):
    response = Client().get(url)
    assert response.status_code == 200
    if response.cookies:  # a page with a form sets its CSRF cookie: the browser's alone
        assert response["Cache-Control"] == "private, no-cache"
    else:
        assert response["Cache-Control"] == "public, max-age=60"


def test_a_page_with_a_form_stays_private_on_every_visit(chile):
    """The follow form carries the visitor's CSRF token, and Django renews its cookie with each
    such page: no shared cache may hand that page to another visitor."""
    client = Client()
    for _visit in range(2):
        response = client.get("/commitments/CL0050/")
        assert "csrfmiddlewaretoken" in response.content.decode() and response.cookies
        assert response["Cache-Control"] == "private, no-cache"
        listing = client.get("/commitments/")
        assert not listing.cookies and listing["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("url", ["/commitments/", "/commitments/CL0050/", "/feed/", "/staff/"])
def test_signed_in_answers_are_private(chile, client, staff_user, url):
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_the_admin_keeps_its_own_never_cache(chile, admin_client):
    assert "no-store" in admin_client.get("/admin/")["Cache-Control"]


@pytest.mark.parametrize("url,kind", [("/commitments/", "text/html"), ("/commitments/export.csv", "text/csv"),
                                      ("/commitments/export.json", "application/json"),
                                      ("/feed/", "application/atom+xml"),
                                      ("/api/v1/commitments/", "application/json"),
                                      ("/api/v1/schema/", "application/vnd.oai.openapi")])
def test_text_is_gzipped_for_a_client_that_accepts_it(chile, client, url, kind):
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Type"].startswith(kind)
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert "Content-Encoding" not in plain
    unpacked = gzip.decompress(body(packed))
    if kind == "application/atom+xml":  # an empty feed is dated now: the same feed, a second later
        assert unpacked.startswith(b"<?xml") and b"<feed" in unpacked
    else:
        assert unpacked == body(plain)


def test_spreadsheets_are_not_gzipped_again(chile, client):
    response = client.get("/commitments/export.xlsx", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in response
    assert len(list(load_workbook(io.BytesIO(body(response)), read_only=True).active.iter_rows())) > 1


def test_a_preflight_allows_the_conditional_headers(chile, client):
    response = client.options("/api/v1/commitments/", HTTP_ORIGIN="https://notebook.example.org",
                              HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                              HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, if-modified-since")
    assert response.status_code == 200
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "if-none-match" in allowed and "if-modified-since" in allowed


@pytest.mark.parametrize("url", ["/feed/", "/members/chile/feed/", "/commitments/CL0050/feed/",
                                 "/commitments/export.csv", "/commitments/export.json",
                                 "/commitments/export.xlsx", "/api/v1/members/"])
def test_feeds_and_exports_can_be_read_cross_origin(chile, client, url):
    response = client.get(url, HTTP_ORIGIN="https://notebook.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_pages_and_staff_pages_are_not_opened_to_other_origins(chile, client):
    for url in ("/commitments/", "/commitments/CL0050/", "/staff/"):
        assert "Access-Control-Allow-Origin" not in client.get(url, HTTP_ORIGIN="https://elsewhere.example")


def test_a_real_http_client_revalidates_a_gzipped_feed(live_server, transactional_db, chile):
    """As a feed reader does over the network: gzip accepted, the weak ETag sent back, 304."""
    address = urlsplit(live_server.url)

    def request(method, headers):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        connection.request(method, "/feed/", headers={"Accept-Encoding": "gzip", **headers})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    first, data = request("GET", {})
    assert first.status == 200 and first.getheader("Content-Encoding") == "gzip"
    assert b"<feed" in gzip.decompress(data)
    etag = first.getheader("ETag")
    assert etag.startswith('W/"')
    for method in ("GET", "HEAD"):
        again, data = request(method, {"If-None-Match": etag})
        assert again.status == 304 and data == b""
        dated, _data = request(method, {"If-Modified-Since": first.getheader("Last-Modified")})
        assert dated.status == 304
