"""The rows data migrations make (the standard disclaimers, the role groups and their
permissions, the editorial policy), made again the way the migrations make them, for tests that
run after a transactional test emptied every table."""

from importlib import import_module

#: (module, function) in articles/migrations, in the order the migrations run them.
DATA_MIGRATIONS = [
    ("0003_standard_disclaimers_and_editors", "create_disclaimers"),
    ("0003_standard_disclaimers_and_editors", "create_editors_group"),
    ("0005_staff_exporters_group", "create_staff_exporters"),
    ("0007_editorial_roles", "create_roles"),
    ("0013_contributor_pages_and_site_pages", "create_editorial_policy"),
    ("0017_renditions_and_editors_change_site_pages", "editors_change_site_pages"),
]


def make_data_migration_rows(apps):
    """Run each data function with `apps`, the app registry as the migrations see it; each
    makes only what is missing."""
    for module, function in DATA_MIGRATIONS:
        getattr(import_module(f"articles.migrations.{module}"), function)(apps, None)
