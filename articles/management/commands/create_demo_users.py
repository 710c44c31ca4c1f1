"""
`manage.py create_demo_users`: the admin logins of a local demo, printed for `make run`.

Creates (once) a superuser `admin` and a member of the Editors group `editor`, both with the
password `DEMO_PASSWORD`. It refuses to run with DJANGO_DEBUG off, so a production site never
gets a known password.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.urls import reverse

from references.management.base import Command as ProjectCommand

DEMO_PASSWORD = "hslhealing-demo"


class Command(ProjectCommand):
    help = "Create the demo admin and editor logins (DEBUG only) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000",
            help="Where the site is served, for the admin link printed (default: %(default)s).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo logins are only for local use: DJANGO_DEBUG is off.")
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD)
        if not User.objects.filter(username="editor").exists():
            editor = User.objects.create_user(
                "editor", "editor@example.com", DEMO_PASSWORD, is_staff=True
            )
            editor.groups.add(Group.objects.get(name="Editors"))
        self.stdout.write(
            f"Admin: {options['address'].rstrip('/')}{reverse('admin:index')}  "
            f"user 'admin' (everything) or 'editor' (Editors group), password '{DEMO_PASSWORD}'"
        )
