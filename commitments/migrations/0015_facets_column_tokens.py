# Issue 13.7: a version token per group of the commitment's counted columns, so a save that changes
# one column (a status) recounts only the facets that read it; the other cached counts stay, exact.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0014_carried_forward_facet"),
    ]

    operations = [
        migrations.AddField(
            model_name="facetdataversion",
            name="column_tokens",
            field=models.JSONField(default=dict),
        ),
    ]
