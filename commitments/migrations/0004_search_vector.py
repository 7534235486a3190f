"""A stored tsvector of the search text with its GIN index, on PostgreSQL only.

The expression index of migration 0002 finds the matches, but each candidate row is then
rechecked (or, when the planner walks another index, filtered) by computing
to_tsvector(search_text) again: milliseconds per row on 2.5 KB of text. A generated column keeps
the vector computed once per write, by PostgreSQL itself, so nothing in Python has to fill it;
the model does not declare it (see commitments.search.StoredSearchVector).
"""

from django.db import migrations

FORWARD_SQL = [
    "ALTER TABLE commitments_commitment ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS commitment_search_vector_gin ON commitments_commitment "
    "USING gin (search_vector)",
    # Superseded by the index above.
    "DROP INDEX IF EXISTS commitment_search_gin",
]

BACKWARD_SQL = [
    "CREATE INDEX IF NOT EXISTS commitment_search_gin ON commitments_commitment "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "DROP INDEX IF EXISTS commitment_search_vector_gin",
    "ALTER TABLE commitments_commitment DROP COLUMN IF EXISTS search_vector",
]


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD_SQL:
            schema_editor.execute(sql)


def remove_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD_SQL:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0003_history_and_staff_membership")]

    operations = [migrations.RunPython(add_search_vector, remove_search_vector)]
