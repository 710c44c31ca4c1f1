"""
`manage.py make_renditions`: make the sizes and formats of every hero image and contributor
photo that has none yet (images uploaded before renditions existed), or of all with `--all`.
Images saved since get theirs when they are saved (articles/renditions.py).
"""

from django.core.management.base import CommandError

from articles.models import Article, Contributor
from references.management.base import Command as ProjectCommand


class Command(ProjectCommand):
    help = (
        "Make the renditions (sizes in AVIF and JPEG, and the 1,200×630 link-preview card) of "
        "hero images and contributor photos that have none yet. Nothing is made while readers "
        "wait: until this has run, pages show such an image as it was uploaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Make them again for every image, not only new ones."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many images need them; make nothing."
        )

    def handle(self, *args, **options):
        articles = Article.objects.exclude(hero_image="").only("hero_image", "hero_renditions")
        people = Contributor.objects.exclude(photo="").only("photo", "photo_renditions")
        images = [
            *((a.hero_image, a.hero_renditions, a.make_hero_renditions) for a in articles),
            *((p.photo, p.photo_renditions, p.make_photo_renditions) for p in people),
        ]
        due = [
            (image, make)
            for image, manifest, make in images
            if options["all"] or manifest.get("source") != image.name
        ]
        if options["dry_run"]:
            self.stdout.write(f"{len(due)} of {len(images)} images need renditions; none made.")
            return
        unreadable = []
        for image, make in due:
            try:
                make(force=True)
            except (OSError, ValueError):  # missing from storage, or no longer an image
                unreadable.append(image.name)
        if unreadable:
            raise CommandError(
                f"Renditions made for {len(due) - len(unreadable)} images; "
                f"{len(unreadable)} could not be read: {', '.join(unreadable)}."
            )
        self.stdout.write(self.style.SUCCESS(f"Renditions made for {len(due)} images."))
