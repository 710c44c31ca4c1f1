"""
`manage.py import_article FILE`: import an article from a plain-text (.txt) or Markdown (.md) file.

What is recognised is described in articles/textformat/importer.py. The article is saved as a
draft, in one transaction; `--dry-run` reports what would be saved and saves nothing. When an
article already has the title's address (slug), the command stops unless told `--update`
(replace that article's text, keeping its address and history) or `--new` (a new article at a
new address).
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.urls import reverse

from articles.editing import imports
from articles.models import Article, Category, Contributor
from articles.textformat import importer
from references.management.base import Command as ProjectCommand


class Command(ProjectCommand):
    help = (
        "Import an article from a plain-text (.txt) or Markdown (.md) file, as a draft. "
        "Prints what was recognised and what was guessed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .txt or .md file to import.")
        parser.add_argument("--title", default="", help="The title, if the text has none.")
        parser.add_argument(
            "--category",
            metavar="SLUG",
            help="The category's slug (default: the first category).",
        )
        parser.add_argument(
            "--author",
            metavar="SLUG",
            help="The author's slug, a contributor (default: the first contributor).",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish now instead of saving a draft (needs a recorded medical review).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be imported; save nothing."
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--update",
            action="store_true",
            help="If an article has this address already, replace its text.",
        )
        existing.add_argument(
            "--new",
            action="store_true",
            help="If an article has this address already, import as a new article.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        draft = self.read(path, title=options["title"])
        on_existing = "update" if options["update"] else "new" if options["new"] else None
        updating = on_existing == "update" and Article.objects.filter(slug=draft.slug).exists()
        category = self.choose(Category, options["category"], "category", keep=updating)
        author = self.choose(Contributor, options["author"], "contributor", keep=updating)
        try:
            result = imports.import_article(
                draft=draft,
                category=category,
                author=author,
                on_existing=on_existing,
                publish=options["publish"],
                dry_run=options["dry_run"],
                source_name=path.name,
            )
        except imports.SlugTaken as error:
            raise CommandError(
                f"An article with the slug “{error.article.slug}” already exists "
                f"(“{error.article.title}”): run again with --update to replace its text, or "
                "--new to import it as a new article. Nothing was saved."
            ) from error
        except importer.ArticleImportError as error:
            raise CommandError(f"{error} Nothing was saved.") from error
        self.report(draft, result, publish=options["publish"])

    def read(self, path, *, title):
        try:
            if path.stat().st_size > importer.MAX_BYTES:
                raise CommandError(importer.too_big_message(path.stat().st_size))
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            return importer.parse(
                importer.read_bytes(data),
                filename=path.name,
                title=title,
                disclaimers=imports.disclaimer_hints(),
            )
        except importer.ArticleImportError as error:
            raise CommandError(str(error)) from error

    def choose(self, model, slug, name, *, keep):
        """The object with this slug; with none given, the first one (or None to keep an
        updated article's)."""
        if slug:
            found = model.objects.filter(slug=slug).first()
            if found is None:
                known = ", ".join(model.objects.values_list("slug", flat=True)[:10]) or "none"
                raise CommandError(f"There is no {name} with the slug “{slug}” (known: {known}).")
            return found
        if keep:
            return None
        first = model.objects.order_by("name", "pk").first()
        if first is None:
            raise CommandError(
                f"There is no {name} yet: add one in the admin first; nothing was saved."
            )
        return first

    def report(self, draft, result, *, publish):
        counts = result.counts
        self.stdout.write(
            f"Read “{draft.title}” ({importer.FORMAT_NAMES[draft.format]}): "
            f"{counts['sections']} sections, {counts['studies']} studies, "
            f"{counts['rda_rows']} RDA rows, {counts['references']} references, "
            f"{counts['related_links']} related links, {counts['disclaimers']} disclaimers."
        )
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"  Warning: {warning}"))
        article = result.article
        if result.dry_run:
            self.stdout.write("Dry run: nothing was saved.")
            return
        if result.created:
            done = "Published" if publish else "Imported as a draft"
        else:
            done = "Updated and published" if publish else "Updated"
        admin_url = reverse("admin:articles_article_change", args=[article.pk])
        self.stdout.write(
            self.style.SUCCESS(
                f"{done}: “{article.title}” at {article.get_absolute_url()} (admin: {admin_url})."
            )
        )
