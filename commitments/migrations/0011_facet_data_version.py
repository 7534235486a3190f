# The facets' data version moves from the cache to the database (issue 12.10): one row.

import uuid

from django.db import migrations, models


def first_version(apps, schema_editor):
    apps.get_model("commitments", "FacetDataVersion").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0010_history_validators"),
    ]

    operations = [
        migrations.CreateModel(
            name="FacetDataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
