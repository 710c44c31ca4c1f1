"""
`manage.py clear_kept_uploads`: delete the hero images kept from refused saves once they are
older than a token is honoured (editing/kept_uploads.py); run it from cron, e.g. daily.
"""

from articles.editing.kept_uploads import KEPT_FOR, sweep
from references.management.base import Command as ProjectCommand


class Command(ProjectCommand):
    help = (
        "Delete the images kept from refused article saves (so the editor need not choose them "
        "again) once they are older than a kept image is honoured."
    )

    def handle(self, *args, **options):
        deleted = sweep()
        hours = int(KEPT_FOR.total_seconds() // 3600)
        self.stdout.write(f"Deleted {deleted} kept uploads older than {hours} hours.")
