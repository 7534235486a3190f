# The stored IRM ratings take the names reviews.ratings.RULES, the summaries and the templates use.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0006_milestone_counts"),
    ]

    operations = [
        migrations.RenameField("commitment", "irm_midterm_completion", "mid_term_completion"),
        migrations.RenameField("commitment", "irm_completion", "end_of_term_completion"),
        migrations.RenameField("commitment", "irm_potential_impact", "potential_impact"),
        migrations.RenameField("commitment", "irm_potential_for_results", "potential_for_results"),
        migrations.RenameField("commitment", "irm_open_government", "did_it_open_government"),
    ]
