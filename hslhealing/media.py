"""
Uploaded media served by the app itself, for the single-server setup (no S3, no web server
configured to serve MEDIA_ROOT): `DJANGO_SERVE_MEDIA`, on by default without S3.

Only regular files under MEDIA_ROOT whose name says they are one of the image types the site
stores are served, with that Content-Type, `X-Content-Type-Options: nosniff` and
`Last-Modified` (so ConditionalGetMiddleware answers revalidation with a 304). Everything else
is a 404: directories (no listing), other types, and any path that leads outside MEDIA_ROOT,
through `..` or a symbolic link. Hero images are stored under random names and never rewritten,
so browsers may keep them for a day (their renditions are named after them).
"""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

#: What uploads may be: the hero image formats (articles/validators.py), which the renditions
#: made of them are in too (articles/renditions.py: WebP and JPEG; AVIF, should it be chosen
#: there), and GIF for images uploaded before GIF was refused.
SERVED_TYPES = {"image/jpeg", "image/png", "image/webp", "image/avif", "image/gif"}
# Python's own table knows AVIF only from 3.13 (before, only where the system's does).
mimetypes.add_type("image/avif", ".avif")
MAX_AGE_SECONDS = 24 * 60 * 60


@require_safe
def serve_media(request, path):
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        # Resolved, so `..` and symbolic links are judged by where they really lead.
        file_path = (root / path).resolve()
    except (OSError, ValueError):  # a null byte, a loop of links
        raise Http404("No such file.") from None
    content_type, encoding = mimetypes.guess_type(file_path.name)
    if (
        not file_path.is_relative_to(root)
        or not file_path.is_file()
        or content_type not in SERVED_TYPES
        or encoding
    ):
        raise Http404("No such file.")
    response = FileResponse(file_path.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Last-Modified"] = http_date(file_path.stat().st_mtime)
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response
