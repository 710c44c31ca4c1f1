"""
Data the site needs from its first start: the two standard disclaimers, attached to every new
article by default, and the "Editors" group with exactly the permissions an editor needs.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STANDARD_DISCLAIMERS = [
    {
        "name": "Medical note",
        "title": "Important Note",
        "body": (
            "<p>This article is general information, not medical advice. It is not meant to "
            "diagnose, prevent, treat or cure any disease or health condition. Before you change "
            "your diet, start a fitness programme or take a supplement, ask a healthcare "
            "professional whether it is safe and likely to help in your own situation.</p>"
        ),
        "position": 1,
    },
    {
        "name": "FDA supplement statement",
        "title": "About dietary supplements and other non-prescription products",
        "body": (
            "<p>Where this article mentions dietary supplements or other non-prescription health "
            "products, its statements about them have not been evaluated by the U.S. Food and "
            "Drug Administration. Such products are not intended to diagnose, treat, cure or "
            "prevent any disease.</p>"
        ),
        "position": 2,
    },
]

#: app label -> model -> actions. Editors write and change articles and everything inside them,
#: keep the reference library, and read the lists they pick from. They do not delete articles
#: (archive instead) and do not change categories, people or disclaimers.
EDITOR_PERMISSIONS = {
    "articles": {
        "article": ["add", "change", "view"],
        "section": ["add", "change", "delete", "view"],
        "study": ["add", "change", "delete", "view"],
        "rdatable": ["add", "change", "delete", "view"],
        "rdarow": ["add", "change", "delete", "view"],
        "relatedarticle": ["add", "change", "delete", "view"],
        "tag": ["add", "view"],
        "category": ["view"],
        "contributor": ["view"],
        "disclaimer": ["view"],
    },
    "references": {
        "reference": ["add", "change", "view"],
        "citation": ["add", "change", "delete", "view"],
    },
}


def app_holding(apps, app_label, codename):
    """The app whose model the permission `codename` is for, in the state `apps` describes:
    `Citation` was in the references app until migration 0010 moved it to this one, and the
    tests run this function again on today's state to make the groups anew."""
    if codename.endswith("_citation"):
        for label in ("articles", "references"):
            try:
                apps.get_model(label, "Citation")
            except LookupError:
                continue
            return label
    return app_label


def create_disclaimers(apps, schema_editor):
    Disclaimer = apps.get_model("articles", "Disclaimer")
    for disclaimer in STANDARD_DISCLAIMERS:
        Disclaimer.objects.get_or_create(
            name=disclaimer["name"], defaults={**disclaimer, "is_default": True}
        )


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    codenames = [
        (app_label, f"{action}_{model}")
        for app_label, models in EDITOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = [
        Permission.objects.get(
            content_type__app_label=app_holding(apps, app_label, codename), codename=codename
        )
        for app_label, codename in codenames
    ]
    editors.permissions.set(permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_initial"),
        ("references", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_disclaimers, migrations.RunPython.noop),
        migrations.RunPython(create_editors_group, migrations.RunPython.noop),
    ]
