"""
`manage.py export_article SLUG`: write an article out as Markdown (see
articles/textformat/markdown.py), in the shape `manage.py import_article` reads back.
"""

from pathlib import Path

from django.core.management.base import CommandError

from articles.models import Article
from articles.textformat.markdown import article_markdown
from references.management.base import Command as ProjectCommand


class Command(ProjectCommand):
    help = "Write an article as Markdown, to standard output or to a file."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The article's slug (the last part of its address).")
        parser.add_argument("--output", "-o", metavar="FILE", help="Write to FILE (UTF-8).")

    def handle(self, *args, **options):
        article = Article.objects.filter(slug=options["slug"]).first()
        if article is None:
            raise CommandError(f"There is no article with the slug “{options['slug']}”.")
        text = article_markdown(article)
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        try:
            Path(options["output"]).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from error
        self.stdout.write(f"Wrote “{article.title}” to {options['output']}.")
