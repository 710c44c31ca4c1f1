"""
The editorial roles, as groups: "Medical reviewers" record the medical review of an article,
"Publishers" publish, schedule, unpublish and archive. Both read everything an article holds
and change nothing else; a person with several roles is put in several groups.

"Editors" (0003) keep their permissions: they write, and move drafts to "In review". What
each permission allows on the article page is enforced by the admin (articles/forms.py).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

#: What every role reads: the article and all its parts, and the lists they are chosen from.
READ_EVERYTHING = {
    "articles": {
        model: ["view"]
        for model in [
            "article",
            "section",
            "study",
            "rdatable",
            "rdarow",
            "relatedarticle",
            "category",
            "tag",
            "contributor",
            "disclaimer",
        ]
    },
    "references": {"reference": ["view"], "citation": ["view"]},
}

ROLES = {
    "Medical reviewers": [("articles", "review_article")],
    "Publishers": [("articles", "publish_article")],
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


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    read = [
        (app_label, f"{action}_{model}")
        for app_label, models in READ_EVERYTHING.items()
        for model, actions in models.items()
        for action in actions
    ]
    for name, own in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.get(
                content_type__app_label=app_holding(apps, app_label, codename), codename=codename
            )
            for app_label, codename in read + own
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_reader_site"),
        ("references", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="article",
            options={
                "get_latest_by": "publish_at",
                "ordering": ["-publish_at", "-created_at"],
                "permissions": [
                    ("export_article", "Can export articles"),
                    ("review_article", "Can record a medical review"),
                    ("publish_article", "Can publish, schedule, unpublish and archive articles"),
                ],
                "verbose_name": "article",
                "verbose_name_plural": "articles",
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
