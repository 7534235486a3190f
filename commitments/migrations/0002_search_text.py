"""A normalised search text per commitment, with a full-text GIN index on PostgreSQL only."""

from django.db import migrations, models

INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS commitment_search_gin ON commitments_commitment "
    "USING gin (to_tsvector('simple'::regconfig, search_text))"
)


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS commitment_search_gin")


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="search_text",
            field=models.TextField(blank=True, editable=False, verbose_name="search text"),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
