# Issue 13.7: the facets' columns in one index, so counting them right after a write reads the index
# alone; and a second version token, moved by writes that change only what text search reads.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0011_facet_data_version'),
    ]

    operations = [
        migrations.AddField(
            model_name='facetdataversion',
            name='text_token',
            field=models.CharField(default='', max_length=32),
        ),
        migrations.AddIndex(
            model_name='commitment',
            index=models.Index(fields=['status', 'starred', 'mid_term_completion', 'end_of_term_completion', 'potential_impact', 'potential_for_results', 'did_it_open_government', 'milestones_counted', 'milestones_complete', 'access_to_information', 'civic_participation', 'public_accountability', 'technology_innovation', 'action_plan', 'lead_institution'], name='commitment_fixed_facets'),
        ),
    ]
