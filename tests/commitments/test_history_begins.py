"""The past can be visited: a record's history begins on the day it was first recorded here, which the
commitment page and the API name; the date control offers only days from then to today, and a day
before names that first day with a link to it (issue 22, point 3). Every as_of example of the README
works on the data `make run` loads (setup_local)."""

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from commitments import past
from commitments.models import Commitment
from tests.commitments.test_as_of import as_of_section
from tests.commitments.test_history import PAGE, on
from tests.commitments.test_pages import section_text

pytestmark = pytest.mark.django_db

API = "/api/v1/commitments/CL0050/"
LOADED = datetime.date(2025, 1, 15)


@pytest.fixture
def loaded_by_make_run(db):
    """The data `make run` loads (the seed, then OGP's sample), loaded on 2025-01-15."""
    with on(LOADED.isoformat()):
        call_command("setup_local", stdout=io.StringIO())


def date_control(body: str) -> str:
    match = re.search(r'<input type="date" id="as-of-date"[^>]*>', body)
    assert match, "no date control"
    return match.group(0)


@pytest.mark.parametrize(("language", "names_the_day"), [
    ("en", "This record holds history from Jan. 15, 2025, the day it was first recorded here"),
    ("es", "Este registro guarda historial desde el 15 de enero de 2025"),
])
def test_the_page_names_the_first_day_and_the_control_offers_only_days_in_range(
        client, loaded_by_make_run, language, names_the_day):
    body = client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert names_the_day in re.sub(r"\s+", " ", body)
    control = date_control(body)
    assert f'min="{LOADED.isoformat()}"' in control
    assert f'max="{timezone.localdate().isoformat()}"' in control
    assert 'aria-describedby="as-of-range"' in control and 'id="as-of-range"' in body


@pytest.mark.parametrize(("language", "before", "begins", "link_text"), [
    ("en", "This commitment was not yet recorded on June 30, 2018.",
     "Its history begins on Jan. 15, 2025, the day it was first recorded here",
     "Show it as it stood on Jan. 15, 2025"),
    ("es", "Este compromiso aún no estaba registrado el 30 de junio de 2018.",
     "Su historial comienza el 15 de enero de 2025",
     "Mostrarlo tal como estaba el 15 de enero de 2025"),
])
def test_a_day_before_names_the_first_day_with_a_link_that_shows_it(
        client, loaded_by_make_run, language, before, begins, link_text):
    response = client.get(PAGE, {"as_of": "2018-06-30"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    banner = re.sub(r"\s+", " ", as_of_section(response))
    assert before in banner and begins in banner
    link = re.search(r'<a class="as-of-first-day" href="([^"]+)">([^<]+)</a>', banner)
    assert link and link.groups() == (f"{PAGE}?as_of=2025-01-15", link_text)
    # Nothing of a state is shown for that day; the control to choose another is, in range.
    assert 'id="glance-heading"' not in response.content.decode()
    assert f'min="{LOADED.isoformat()}"' in date_control(response.content.decode())
    first_day = client.get(link.group(1), HTTP_ACCEPT_LANGUAGE=language)
    assert first_day.status_code == 200
    assert 'id="glance-heading"' in first_day.content.decode()
    assert "not yet recorded" not in as_of_section(first_day) and "no estaba registrado" not in as_of_section(
        first_day)


def test_the_api_names_the_first_day_and_answers_a_day_before_with_a_404_naming_it(
        client, loaded_by_make_run):
    today = client.get(API)
    assert today.status_code == 200 and today.json()["history_begins"] == "2025-01-15"
    refused = client.get(API, {"as_of": "2018-06-30"})
    assert refused.status_code == 404 and refused["Content-Type"] == "application/json"
    body = refused.json()
    assert set(body) == {"detail", "errors"}  # the API's one error shape
    assert "history begins on 2025-01-15" in body["detail"]
    first_day = f"http://testserver{API}?as_of=2025-01-15"
    assert body["detail"].endswith(first_day)
    assert body["errors"] == {"as_of": [f"Choose a day from 2025-01-15 (history_begins) to "
                                        f"{timezone.localdate().isoformat()}."]}
    followed = client.get(first_day)
    assert followed.status_code == 200
    assert followed.json()["as_of"] == "2025-01-15" and followed.json()["status"]["value"] == "inactive"


@pytest.mark.parametrize("ask", ["page", "api"])
def test_the_first_day_is_exactly_where_the_record_begins(client, loaded_by_make_run, ask):
    """The day named is the first shown and the day before the last refused (the page and the
    API read one rule: past.history_begins)."""
    created = Commitment.objects.get(identifier="CL0050")
    assert past.history_begins(created) == LOADED
    for day, shown in ((LOADED - datetime.timedelta(days=1), False), (LOADED, True)):
        if ask == "page":
            response = client.get(PAGE, {"as_of": day.isoformat()})
            assert ('id="glance-heading"' in response.content.decode()) is shown, day
        else:
            assert client.get(API, {"as_of": day.isoformat()}).status_code == (200 if shown else 404), day


def test_a_record_without_history_begins_on_the_day_it_was_created(client, chile):
    Commitment.objects.filter(identifier="CL0051").update(
        created_at=datetime.datetime(2024, 3, 2, 23, 30, tzinfo=datetime.UTC))
    page = "/commitments/CL0051/"
    assert not Commitment.objects.get(identifier="CL0051").history.exists()
    assert 'min="2024-03-02"' in date_control(client.get(page).content.decode())
    assert "history begins on 2024-03-02" in client.get(
        "/api/v1/commitments/CL0051/?as_of=2024-03-01").json()["detail"]
    assert "Status" in section_text(client.get(page, {"as_of": "2024-03-02"}), "glance-heading")


def test_the_schema_documents_history_begins_and_the_404(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "history_begins" in schema
    assert "a day before answers 404" in schema


# --- The README's as_of examples, on the data `make run` loads ------------------------------------

CURL = re.compile(r"""curl ["']http://127\.0\.0\.1:8000(/[^"']*as_of=[^"']*)["']\s*(?:#\s*(.*))?$""")


def readme_as_of_examples() -> list[tuple[str, str]]:
    """(path and query, the README's comment on it) of each curl example with as_of, the shell's
    `$(date -u +%F)` written as today's date (UTC, the site's time zone)."""
    examples = []
    for line in (settings.BASE_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        match = CURL.match(line)
        if match:
            url = match.group(1).replace("$(date -u +%F)", timezone.now().date().isoformat())
            examples.append((url, match.group(2) or ""))
    return examples


def test_every_readme_as_of_example_works_on_make_runs_data(client):
    call_command("setup_local", stdout=io.StringIO())  # loaded today, as `make run` does
    examples = readme_as_of_examples()
    assert len(examples) >= 2
    for url, comment in examples:
        response = client.get(url)
        if "404" in comment:
            # Shown where that is the point: the clear answer naming the day history begins.
            assert response.status_code == 404, url
            assert f"history begins on {timezone.localdate().isoformat()}" in response.json()["detail"]
        else:
            assert response.status_code == 200, (url, response.content[:300])
            assert response.json()["as_of"] == timezone.localdate().isoformat()
    # The page example the README gives in prose says where the history begins and links to it.
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    assert "`/commitments/CL0050/?as_of=2018-06-30`" in readme
    banner = re.sub(r"\s+", " ", as_of_section(client.get(PAGE, {"as_of": "2018-06-30"})))
    assert f'href="{PAGE}?as_of={timezone.localdate().isoformat()}"' in banner
