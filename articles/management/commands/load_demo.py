"""
`manage.py load_demo`: add the demo articles to the site, once.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from articles.demo import ARTICLES, load_demo
from references.management.base import Command as ProjectCommand


class Command(ProjectCommand):
    help = (
        "Add the demo content: the article “How Magnesium Glycinate Supports Better Nerve "
        "Conduction” with its sections, studies, intake table and references, and two related "
        "articles. Does nothing if the demo article is already there."
    )

    def handle(self, *args, **options):
        progress = self.stdout if options["verbosity"] > 1 else None
        try:
            loaded = load_demo(stdout=progress)
        except ValidationError as error:
            raise CommandError(f"Demo content not loaded, nothing changed: {error}") from error
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {len(ARTICLES)} articles."))
        else:
            self.stdout.write("Demo content already loaded; nothing changed.")
