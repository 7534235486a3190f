"""The IRM reviewer role: a group that creates and edits IRM reports and assessments."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "IRM reviewers"
# Reviewers write reports and assessments, and read what they assess (the admin's
# autocomplete on an assessment's commitment needs the view permission).
PERMISSIONS = {
    "reviews": ["add_irmreport", "change_irmreport", "delete_irmreport", "view_irmreport",
                "add_assessment", "change_assessment", "delete_assessment", "view_assessment"],
    "commitments": ["view_member", "view_actionplan", "view_commitment", "view_milestone",
                    "view_institution", "view_policyarea"],
}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for app_label, codenames in PERMISSIONS.items():
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label,
                                                         codename__in=codenames))


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("commitments", "0003_history_and_staff_membership"),
        ("reviews", "0002_assessment_history"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
