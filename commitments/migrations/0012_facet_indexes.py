# The facets' columns in one index, so counting them right after a write reads the index alone (issue 13.7).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0011_facet_data_version'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='commitment',
            index=models.Index(fields=['status', 'starred', 'mid_term_completion', 'end_of_term_completion', 'potential_impact', 'potential_for_results', 'did_it_open_government', 'milestones_counted', 'milestones_complete', 'access_to_information', 'civic_participation', 'public_accountability', 'technology_innovation', 'action_plan', 'lead_institution'], name='commitment_fixed_facets'),
        ),
    ]
