# When the data last changed, moved with the tokens by every write: the API's Last-Modified, which
# before read the commitments' updated_at and so stayed put when an assessment, a milestone, a
# member or a source changed (an If-Modified-Since client was answered 304 with stale data).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0017_facetdataversion_record_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="facetdataversion",
            name="changed_at",
            field=models.DateTimeField(null=True),
        ),
    ]
