"""
Uploaded images keep a manifest of their renditions (articles/renditions.py): the hero image's
sizes in AVIF and JPEG and its 1,200×630 link-preview card, and a contributor's photo's sizes.
Images uploaded before this migration get theirs from `manage.py make_renditions`; until then
their pages show the original.

Editors may view and change site pages (the editorial policy), as the policy asks them to keep
it true to how the site works.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

EDITOR_SITE_PAGE_PERMISSIONS = ["view_sitepage", "change_sitepage"]


def editors_change_site_pages(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="articles", codename__in=EDITOR_SITE_PAGE_PERMISSIONS
        )
    )


def editors_no_longer_change_site_pages(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="articles", codename__in=EDITOR_SITE_PAGE_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_list_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="hero_renditions",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="The sizes and formats made of the hero image when it was saved.",
                verbose_name="hero image renditions",
            ),
        ),
        migrations.AddField(
            model_name="contributor",
            name="photo_renditions",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="The sizes and formats made of the photo when it was saved.",
                verbose_name="photo renditions",
            ),
        ),
        migrations.RunPython(editors_change_site_pages, editors_no_longer_change_site_pages),
    ]
