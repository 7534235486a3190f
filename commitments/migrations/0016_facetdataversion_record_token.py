# Issue 14.4: a token every write of an exported cell moves (a date or a description saved too,
# which the facets' tokens ignore), so an export can be cached per data version (ogp/export_cache.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0015_facets_column_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="facetdataversion",
            name="record_token",
            field=models.CharField(default="", max_length=32),
        ),
    ]
