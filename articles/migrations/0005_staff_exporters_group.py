"""The "Staff exporters" group: staff who may export article lists and do nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_staff_exporters(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    exporters, _ = Group.objects.get_or_create(name="Staff exporters")
    exporters.permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles", codename__in=["export_article", "view_article"]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_export_permission")]

    operations = [migrations.RunPython(create_staff_exporters, migrations.RunPython.noop)]
