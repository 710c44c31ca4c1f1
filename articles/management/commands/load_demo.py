"""
`manage.py load_demo`: add the demo articles to the site, once.
"""

from django.core.management.base import CommandError

from articles.demo import ARTICLE_COUNT, load_demo
from articles.textformat.importer import ArticleImportError
from references.management.base import Command as ProjectCommand


class Command(ProjectCommand):
    help = (
        "Add the demo content (the Markdown files in articles/demo/, imported as an editor's "
        "import is): the article “How Magnesium Glycinate Supports Better Nerve Conduction” with "
        "its sections, studies, intake table and references, and two related articles. Does "
        "nothing if the demo article is already there."
    )

    def handle(self, *args, **options):
        progress = self.stdout if options["verbosity"] > 1 else None
        try:
            loaded = load_demo(stdout=progress)
        except ArticleImportError as error:
            raise CommandError(f"Demo content not loaded, nothing changed: {error}") from error
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {ARTICLE_COUNT} articles."))
        else:
            self.stdout.write("Demo content already loaded; nothing changed.")
