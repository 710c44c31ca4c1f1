"""
Renditions of uploaded images: the sizes and formats readers' browsers choose from.

When an article's hero image or a contributor's photo is saved, Pillow makes a few widths of
it (never wider than the upload) in WebP, and in JPEG for browsers that cannot read WebP; for a
hero image, also a 1,200×630 JPEG cropped from its centre for link previews (Open Graph, X,
JSON-LD). They are written through the image field's own storage (the local media folder, or S3
when `HSL_MEDIA_S3_BUCKET` names a bucket), under `renditions/` beside the original's name, so
nothing is made while a reader waits.

What was made is recorded on the model as a small manifest (a JSONField): the original's name,
its proportions, and the stored name of each rendition. Pages build `<picture>`, `srcset`,
`width` and `height` from it without opening a file or asking the storage anything. An image
uploaded before renditions existed has no manifest: its page shows the original until
`manage.py make_renditions` is run.

WebP rather than AVIF: Pillow 13 writes both, but on our 1,600 px images AVIF at its default
speed took 1–3 seconds per width (about 7 s per upload, on the request that saves it) for files
no smaller than WebP's, and at a faster speed its files were larger than WebP's; WebP took a
tenth of a second. Every browser in use reads WebP. The format is one constant (`MODERN`), and
the media view serves AVIF too, should the trade change.

Why our own code rather than django-imagekit (6.x supports Django 5.2) or easy-thumbnails:
with Pillow doing the encoding, what is left is naming, storing and the manifest, a page of
code. imagekit declares one field per width and format and, unless told to be optimistic, asks
the storage whether each file exists while the page renders (a request to S3 per image);
easy-thumbnails keeps its own tables, queried per thumbnail. Neither records the widths skipped
for a small upload, which `srcset` must not list, nor the proportions `width`/`height` need.
"""

import io
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar, NamedTuple

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

MODERN = ("image/webp", "WEBP", "webp", {"quality": 75, "method": 4})
FALLBACK = ("image/jpeg", "JPEG", "jpg", {"quality": 82, "optimize": True, "progressive": True})
HERO_WIDTHS = (480, 800, 1200, 1600)
PHOTO_WIDTHS = (160, 320, 480)
OPEN_GRAPH_SIZE = (1200, 630)


def rendition_widths(original_width, widths):
    """The widths to make for an image `original_width` pixels wide: each of `widths` it is
    wider than, and its own width when that is smaller than the largest (never enlarged)."""
    made = [width for width in widths if width < original_width]
    if original_width <= widths[-1]:
        made.append(original_width)
    return made


def make_renditions(field_file, *, widths, open_graph=False):
    """Make and store the renditions of the image in `field_file` (a saved FieldFile); return
    the manifest to keep on the model."""
    storage = field_file.storage
    stem = PurePosixPath("renditions") / PurePosixPath(field_file.name).with_suffix("")
    with field_file.open("rb") as stored, Image.open(stored) as opened:
        image = _flattened(ImageOps.exif_transpose(opened))
    width, height = image.size
    manifest = {"source": field_file.name, "width": width, "height": height, "formats": {}}
    for mime, pillow_format, extension, options in (MODERN, FALLBACK):
        manifest["formats"][mime] = [
            [
                size,
                _store(
                    storage,
                    f"{stem}/{size}.{extension}",
                    image.resize((size, round(height * size / width)), Image.Resampling.LANCZOS),
                    pillow_format,
                    mime,
                    options,
                ),
            ]
            for size in rendition_widths(width, widths)
        ]
    if open_graph:
        card = ImageOps.fit(image, OPEN_GRAPH_SIZE, Image.Resampling.LANCZOS)
        mime, pillow_format, _extension, options = FALLBACK
        manifest["open_graph"] = _store(
            storage, f"{stem}/open-graph.jpg", card, pillow_format, mime, options
        )
    return manifest


def refresh(instance, *, image_field, manifest_field, widths, open_graph=False, force=False):
    """For a saved `instance`: make the renditions of its image when the image is not the one
    its manifest describes (new, replaced or removed), or always with `force`, and store the
    new manifest. True when it made or cleared renditions."""
    field_file = getattr(instance, image_field)
    manifest = getattr(instance, manifest_field) or {}
    if not force and manifest.get("source") == (field_file.name or None):
        return False
    if not field_file:
        manifest = {}
    else:
        manifest = make_renditions(field_file, widths=widths, open_graph=open_graph)
    setattr(instance, manifest_field, manifest)
    type(instance).objects.filter(pk=instance.pk).update(**{manifest_field: manifest})
    return True


def _flattened(image):
    """The image in RGB, any transparency laid over white (JPEG has none)."""
    image.load()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _store(storage, name, image, pillow_format, mime, options):
    buffer = io.BytesIO()
    image.save(buffer, pillow_format, **options)
    content = ContentFile(buffer.getvalue())
    # Read by S3 storage as the object's Content-Type, whatever its mimetypes table knows.
    content.content_type = mime
    storage.delete(name)  # made again (`make_renditions --all`): keep the name
    return storage.save(name, content)


class Rendition(NamedTuple):
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class Renditions:
    """What a page needs from a manifest: `srcset` per format, a fallback, width and height."""

    manifest: dict
    storage: object

    @classmethod
    def of(cls, field_file, manifest):
        """The renditions of `field_file`, or None when it has none (or they describe another
        image)."""
        if not field_file or not manifest or manifest.get("source") != field_file.name:
            return None
        return cls(manifest, field_file.storage)

    def srcset(self, mime):
        return ", ".join(
            f"{self.storage.url(name)} {width}w" for width, name in self.manifest["formats"][mime]
        )

    @property
    def sources(self):
        """(type, srcset) for each modern format, for `<source>` elements."""
        return [
            (mime, self.srcset(mime)) for mime in self.manifest["formats"] if mime != FALLBACK[0]
        ]

    @property
    def fallback_srcset(self):
        return self.srcset(FALLBACK[0])

    @property
    def largest(self):
        """The largest JPEG (a `Rendition`)."""
        width, name = self.manifest["formats"][FALLBACK[0]][-1]
        return Rendition(self.storage.url(name), width, self.height_at(width))

    @property
    def src(self):
        """The JPEG a browser without `srcset` shows: the one nearest 800 px wide."""
        _width, name = min(self.manifest["formats"][FALLBACK[0]], key=lambda r: abs(r[0] - 800))
        return self.storage.url(name)

    @property
    def width(self):
        """The largest JPEG's width (its address is not needed for that)."""
        return self.manifest["formats"][FALLBACK[0]][-1][0]

    @property
    def height(self):
        return self.height_at(self.width)

    def height_at(self, width):
        return round(self.manifest["height"] * width / self.manifest["width"])

    @property
    def open_graph_url(self):
        """The 1,200×630 card for link previews (hero images only), or None."""
        name = self.manifest.get("open_graph")
        return self.storage.url(name) if name else None

    open_graph_width: ClassVar[int] = OPEN_GRAPH_SIZE[0]
    open_graph_height: ClassVar[int] = OPEN_GRAPH_SIZE[1]
