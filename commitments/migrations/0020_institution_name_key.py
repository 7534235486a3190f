"""One institution, one name: names that differ only by accents, case or spacing become one
institution (the spelling kept by models.preferred_spelling), then the database keeps it so.

Every link moves to the kept institution: commitments' lead and supporting institutions, staff
memberships, and the lead institution of the commitments' history records, so the history and
`?as_of=` pages go on naming the institution rather than "(deleted)". The history's supporting
names are text and stay as they were written.
"""

import uuid
from collections import defaultdict

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

import commitments.validators
from commitments.models import institution_key, preferred_spelling


def merge_variants(apps, schema_editor):
    Institution = apps.get_model("commitments", "Institution")
    Commitment = apps.get_model("commitments", "Commitment")
    HistoricalCommitment = apps.get_model("commitments", "HistoricalCommitment")
    StaffMembership = apps.get_model("commitments", "StaffMembership")
    FacetDataVersion = apps.get_model("commitments", "FacetDataVersion")
    Supporting = Commitment.supporting_institutions.through

    groups = defaultdict(list)
    for institution in Institution.objects.annotate(
            uses=Count("led_commitments", distinct=True) + Count("supported_commitments", distinct=True)):
        groups[institution_key(institution.name)].append(institution)
    merged = False
    for key, institutions in groups.items():
        kept = institutions[0]
        if len(institutions) > 1:
            kept = {i.name: i for i in institutions}[preferred_spelling({i.name: i.uses for i in institutions})]
            others = [institution.pk for institution in institutions if institution.pk != kept.pk]
            Commitment.objects.filter(lead_institution__in=others).update(lead_institution=kept)
            HistoricalCommitment.objects.filter(lead_institution__in=others).update(lead_institution=kept)
            StaffMembership.objects.filter(institution__in=others).update(institution=kept)
            already = set(Supporting.objects.filter(institution=kept).values_list("commitment_id", flat=True))
            moving = Supporting.objects.filter(institution__in=others)
            Supporting.objects.bulk_create([
                Supporting(commitment_id=commitment_id, institution_id=kept.pk)
                for commitment_id in sorted(set(moving.values_list("commitment_id", flat=True)) - already)])
            moving.delete()
            Institution.objects.filter(pk__in=others).delete()
            merged = True
        Institution.objects.filter(pk=kept.pk).update(name_key=key)
    if merged:
        # Every cached count, page and export showed the two names: none may be read again.
        FacetDataVersion.objects.update(token=uuid.uuid4().hex, text_token=uuid.uuid4().hex,
                                        record_token=uuid.uuid4().hex, changed_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0019_integer_bounds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="institution",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=1000),
            preserve_default=False,
        ),
        migrations.RunPython(merge_variants, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="institution",
            name="name_key",
            field=models.CharField(editable=False, max_length=1000, unique=True),
        ),
        migrations.CreateModel(
            name='HistoricalInstitution',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(db_index=True, max_length=1000, validators=[commitments.validators.validate_text], verbose_name='name')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical institution',
                'verbose_name_plural': 'historical institutions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
