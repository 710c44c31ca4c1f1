"""
Validation of uploaded hero images, by content rather than by file name.

Pillow reads the file's header: a file that is not a JPEG, PNG or WebP image (what the field's
help text promises: GIF is refused too), that is larger than `HERO_IMAGE_MAX_BYTES`, or whose
pixel count exceeds `HERO_IMAGE_MAX_PIXELS` (a guard against decompression bombs) is refused
with a message an editor can act on. Only the header is read: nothing is decoded before the
checks pass.

`HeroImageFormField` runs the same checks before Django's own image check (which decodes
nothing either, but answers every refusal with "Upload a valid image"), so the admin tells the
editor why a file was refused.
"""

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

ALLOWED_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _too_many_pixels():
    return ValidationError(
        _("This image has too many pixels to be processed safely; the limit is %(limit)s.")
        % {"limit": _pixel_limit()}
    )


def _pixel_limit():
    return _("%(count)s million pixels") % {
        "count": f"{settings.HERO_IMAGE_MAX_PIXELS / 1_000_000:g}"
    }


def _image_format(file):
    """Return Pillow's name for the image format of `file`, or raise ValidationError."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
    # Pillow refuses images far above its own pixel limit (and warns, which may be turned into
    # an error, above the limit itself); both are far above ours.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except Exception as error:
        raise ValidationError(
            _("This file is not an image we can read (use JPEG, PNG or WebP).")
        ) from error
    finally:
        file.seek(0)
    if width * height > settings.HERO_IMAGE_MAX_PIXELS:
        raise ValidationError(
            _("This image is %(w)s×%(h)s pixels; the limit is %(limit)s.")
            % {"w": width, "h": height, "limit": _pixel_limit()}
        )
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            _("%(format)s images are not accepted; use JPEG, PNG or WebP.")
            % {"format": image_format or _("Unknown")}
        )
    return image_format


def validate_hero_image(file):
    """Model-field validator: the file is a real JPEG/PNG/WebP within size and pixel limits."""
    if file.size > settings.HERO_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("This image is too large (%(size)s); the limit is %(limit)s.")
            % {
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.HERO_IMAGE_MAX_BYTES),
            }
        )
    _image_format(file)


class HeroImageFormField(forms.ImageField):
    """Django's image field, with `validate_hero_image` run first so that its messages, not
    Django's generic "Upload a valid image", reach the editor."""

    def to_python(self, data):
        if data not in self.empty_values:
            validate_hero_image(data)
        return super().to_python(data)


def hero_image_path(instance, filename):
    """Store uploads under a random name with the extension of their real format, never the
    name the browser sent."""
    extension = ALLOWED_IMAGE_FORMATS.get(_image_format(instance.hero_image.file), "img")
    return f"articles/hero/{uuid.uuid4().hex}.{extension}"
