"""
`manage.py import_article FILE`: import an article from a plain-text (.txt) or Markdown (.md) file.

What is recognised is described in articles/textformat/importer.py. The article is saved as a
draft, in one transaction; `--dry-run` reports what would be saved and saves nothing (on an
existing address, what an update would change). When an article already has the title's
address (slug), the command stops unless told `--update` (replace that article's text, keeping
its address and history) or `--new` (a new article at a new address). The same holds when an
article has the same title (ignoring case) or the same text: the message names it.

There is no default category and no default person: a new article needs `--category` (the
error suggests one from the article's words), and without `--author` it is signed by the
publisher. `--reviewer SLUG [--reviewed-on DATE]` records the medical review and `--publish`
publishes; both need `--user NAME`, an account holding the review (and publish) permission, so
the history records who did what. Where the article words a stock disclaimer differently, the
stock text is attached unless `--own-disclaimers` keeps the article's own; both wordings are
printed either way.
"""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import Count
from django.urls import reverse

from articles.editing import imports
from articles.models import Category, Contributor
from articles.textformat import importer
from articles.textformat.draft import FORMAT_NAMES, MAX_BYTES, read_bytes, too_big_message
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
            help="The category's slug (required for a new article; there is no default).",
        )
        parser.add_argument(
            "--author",
            metavar="SLUG",
            help="The author's slug, a contributor (default: none; the publisher signs it).",
        )
        parser.add_argument(
            "--reviewer",
            metavar="SLUG",
            help="Record the medical review by this contributor (needs --user).",
        )
        parser.add_argument(
            "--reviewed-on",
            metavar="YYYY-MM-DD",
            type=_date,
            help="The date of the medical review (default: today).",
        )
        parser.add_argument(
            "--user",
            metavar="NAME",
            help="The account doing the import, recorded in the history (needed for "
            "--reviewer and --publish, with the review and publish permissions).",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish now instead of saving a draft (needs a recorded medical review).",
        )
        parser.add_argument(
            "--own-disclaimers",
            action="store_true",
            help="Where the article words a stock disclaimer differently, keep its own wording "
            "as a disclaimer of its own (default: attach the stock text; either way it is "
            "reported).",
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
        matches = imports.find_existing(draft)
        existing = matches[0].article if matches else None
        if existing is not None and on_existing is None and options["dry_run"]:
            on_existing = "update"  # a dry run on a taken address reports what an update does
        if existing is not None and on_existing is None:
            raise CommandError(_already_there(matches))
        updating = on_existing == "update" and existing is not None
        category = self.choose(Category, options["category"], "category")
        if category is None and not updating:
            suggestion = imports.suggest_category(draft)
            known = ", ".join(Category.objects.values_list("slug", flat=True)[:10])
            if not known:
                raise CommandError(
                    "There is no category yet: add one in the admin first; nothing was saved."
                )
            hint = f" (suggested from its words: {suggestion.slug})" if suggestion else ""
            raise CommandError(
                f"Choose the category with --category SLUG{hint}; known: {known}. "
                "Nothing was saved."
            )
        author = self.choose(Contributor, options["author"], "contributor")
        reviewer = self.choose(Contributor, options["reviewer"], "contributor")
        user = self.account(options["user"], needed=bool(reviewer or options["publish"]))
        try:
            result = imports.import_article(
                draft=draft,
                category=category,
                author=author,
                reviewer=reviewer,
                reviewed_on=options["reviewed_on"],
                on_existing=on_existing,
                publish=options["publish"],
                dry_run=options["dry_run"],
                user=user,
                source_name=path.name,
                own_disclaimers=options["own_disclaimers"],
            )
        except imports.ArticleExists as error:
            raise CommandError(_already_there(error.matches)) from error
        except importer.ArticleImportError as error:
            raise CommandError(f"{error} Nothing was saved.") from error
        if result.dry_run and updating:
            self.report_update(existing, result)
        self.report(draft, result, publish=options["publish"])

    def account(self, name, *, needed):
        """The active account called `name`; required when the import records a review or
        publishes, so the history says who did it."""
        if not name:
            if needed:
                raise CommandError(
                    "--reviewer and --publish need --user NAME, the account doing it (with the "
                    "review and publish permissions); nothing was saved."
                )
            return None
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active account “{name}”; nothing was saved.")
        return user

    def report_update(self, existing, result):
        """What an update of `existing` would change, part by part (from the dry run)."""
        before = {
            "sections": existing.sections.count(),
            "studies": existing.sections.aggregate(n=Count("studies"))["n"],
            "rda_rows": existing.rda_tables.aggregate(n=Count("rows"))["n"],
            "references": existing.citations.count(),
            "related_links": existing.related_links.count(),
            "pending_related": existing.pending_related.count(),
            "disclaimers": existing.disclaimers.count(),
        }
        after = result.counts
        changes = [
            f"{label} {before[key]} → {after[key]}"
            for key, label in imports.COUNT_LABELS.items()
            if before[key] != after[key]
        ]
        for name, old, new in (
            ("title", existing.title, result.article.title),
            ("standfirst", existing.standfirst, result.article.standfirst),
        ):
            if old != new:
                changes.append(f"{name} changes")
        summary = "; ".join(changes) or "the same parts, text replaced"
        self.stdout.write(f"An update of “{existing.slug}” would change: {summary}.")

    def read(self, path, *, title):
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(too_big_message(path.stat().st_size))
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            return importer.parse(
                read_bytes(data),
                filename=path.name,
                title=title,
                disclaimers=imports.disclaimer_hints(),
            )
        except importer.ArticleImportError as error:
            raise CommandError(str(error)) from error

    def choose(self, model, slug, name):
        """The object with this slug, or None when none is given (there is no default)."""
        if not slug:
            return None
        found = model.objects.filter(slug=slug).first()
        if found is None:
            known = ", ".join(model.objects.values_list("slug", flat=True)[:10]) or "none"
            raise CommandError(f"There is no {name} with the slug “{slug}” (known: {known}).")
        return found

    def report(self, draft, result, *, publish):
        counts = ", ".join(f"{number} {label}" for label, number in imports.count_items(result))
        self.stdout.write(f"Read “{draft.title}” ({FORMAT_NAMES[draft.format]}): {counts}.")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"  Warning: {warning}"))
        for difference in result.disclaimer_differences:
            kept = "the article's own" if result.own_disclaimers else "the stock text"
            self.stdout.write(
                f"  Disclaimer “{difference.stock.name}” is worded differently in the article; "
                f"kept: {kept}.\n    Stock: {importer.strip_html(difference.stock.body)}\n"
                f"    The article's own: {difference.text}"
            )
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


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"“{value}” is not a date: write it as YYYY-MM-DD.") from error


def _already_there(matches):
    """One line naming the articles the import repeats and what they share."""
    found = " ".join(match.sentence() for match in matches)
    return (
        f"Already on the site: {found} To go on, run again with --update to replace its text, "
        "or --new to import it as a new article. Nothing was saved."
    )
