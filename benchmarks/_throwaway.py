"""
A throwaway site for the in-process benchmarks (render.py, change_page.py): settings read from
the environment as production reads them, pointed at a SQLite database, media and collected
static files in `workdir`, DEBUG off (the cached template loader, the hashed static files), the
cache in local memory; then Django set up, migrated and its static files collected.

Not a benchmark itself: `make bench` leaves out the files whose names start with "_".
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def set_up_throwaway_site(workdir, **environment):
    """Set Django up on a fresh site in `workdir`; `environment` adds or overrides settings."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "hslhealing.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "benchmark-only",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "CACHE_URL": "",
            "REDIS_URL": "",
            **environment,
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def run_on_throwaway_site(measure, *, prefix, **environment):
    """Call `measure(workdir)` on a throwaway site set up in a new temporary folder, then
    remove the folder whatever happens."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        set_up_throwaway_site(workdir, **environment)
        measure(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
