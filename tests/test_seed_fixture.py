"""The `chile` fixture (tests/conftest.py) leaves the database exactly as `manage.py loaddata chile` does,
also when it writes the rows of an earlier load back rather than loading the file again."""

from django.core.management import call_command
from django.db import transaction

from commitments.freshness import versions
from commitments.models import FacetDataVersion, Member
from tests import conftest


def database_contents() -> dict:
    """Every table's rows; a many-to-many row without its id (each load takes new ones from the
    sequence), and the facets' version apart (a new random one each load)."""
    contents = {}
    for model, rows in conftest._table_rows().items():
        if model is FacetDataVersion:
            continue
        if model._meta.auto_created:
            pk = model._meta.pk.attname
            contents[model] = sorted(tuple(sorted((k, v) for k, v in row.items() if k != pk))
                                     for row in rows.values())
        else:
            contents[model] = rows
    return contents


def loaded(load) -> tuple[dict, str]:
    """What `load` leaves in the database, and the facets' version it leaves; rolled back after."""
    with transaction.atomic():
        load()
        result = database_contents(), versions.data_version()
        transaction.set_rollback(True)
    return result


def test_the_seed_fixture_writes_what_loaddata_writes(db, django_assert_max_num_queries):
    empty, version = database_contents(), versions.data_version()
    by_loaddata, loaddata_version = loaded(lambda: call_command("loaddata", "chile", verbosity=0))
    loaded(conftest.load_chile)  # the first load of this process keeps the rows (if none did yet)
    assert conftest._SEED_ROWS

    def written_back():
        # Per table: a check that its rows are free, an INSERT, a sequence reset; not loaddata's ~700.
        with django_assert_max_num_queries(40):
            conftest.load_chile()

    by_fixture, fixture_version = loaded(written_back)

    assert by_loaddata != empty
    assert by_fixture == by_loaddata
    assert len({version, loaddata_version, fixture_version}) == 3  # each load moves the facets' version
    assert database_contents() == empty


def test_the_seed_fixture_loads_for_real_over_rows_the_seed_would_overwrite(db):
    loaded(conftest.load_chile)
    Member.objects.create(pk=1, name="Testland", slug="testland", code="TST", region=Member.Region.EUROPE)
    by_loaddata = loaded(lambda: call_command("loaddata", "chile", verbosity=0))[0]
    assert loaded(conftest.load_chile)[0] == by_loaddata
    assert by_loaddata[Member][1]["slug"] == "chile"  # loaddata overwrote the row: the case in play
