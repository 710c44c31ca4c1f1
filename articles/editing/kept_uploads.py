"""
Nothing typed is lost on an error, uploads included: a hero image chosen on a save that was
refused is kept on the server, and the next save without a new file uses it.

A browser cannot put a chosen file back in a file field, so when the article page comes back
with errors and the image itself was valid, the upload is stored in Django's default storage
under `pending-uploads/`, named by a random token, and the page carries a signed token
(django.core.signing) naming it, in a hidden field beside the file field with “Kept from your
last attempt: capsules.png (remove)”. The next POST without a new file reads the kept file
back through the token; a new file wins over it; a tampered or expired token is refused with a
message on the field.

Why the storage rather than the cache: the storage is what every server shares (the local
MEDIA_ROOT on one server, the S3 bucket on several), whereas the cache is local memory without
Redis, different in each worker process, and an image may be 5 MB. The kept file has no
extension, so the app's media view (hslhealing/media.py) never serves it, and its name is 128
random bits that appear only in the signed token on the editor's own page.

Cleaning: the kept file is deleted when the save that uses it (or replaces or removes it) goes
through, and every time an upload is kept, kept files older than `KEPT_FOR` (which is also how
long a token is honoured) are deleted; `manage.py clear_kept_uploads` does the same from cron.
"""

import datetime
import re
import secrets
from dataclasses import dataclass

from django.contrib.admin.widgets import AdminFileWidget
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..validators import HeroImageFormField

PREFIX = "pending-uploads/"
#: How long a kept upload waits for the save that uses it.
KEPT_FOR = datetime.timedelta(hours=24)
SALT = "articles.editing.kept_uploads"
STORED_NAME = re.compile(rf"{re.escape(PREFIX)}[0-9a-f]{{32}}")


@dataclass(frozen=True)
class KeptUpload:
    """An upload kept from a refused save: the signed token, the editor's file name and the
    name in the storage."""

    token: str
    filename: str
    stored_name: str


class KeptUploadedFile(SimpleUploadedFile):
    """The kept upload read back for the next save, knowing where it came from."""

    def __init__(self, kept, content):
        super().__init__(kept.filename, content)
        self.kept = kept


def keep(upload):
    """Store `upload` (a valid, chosen file) until the next save; its KeptUpload."""
    sweep()
    upload.seek(0)
    stored_name = default_storage.save(
        f"{PREFIX}{secrets.token_hex(16)}", ContentFile(upload.read())
    )
    token = signing.dumps({"name": stored_name, "filename": upload.name}, salt=SALT)
    return KeptUpload(token, upload.name, stored_name)


def kept_upload(token):
    """The KeptUpload a token names; ValidationError if it was altered, is older than
    KEPT_FOR, or its file is gone."""
    refused = ValidationError(
        _("The image kept from your last attempt can no longer be used: choose it again."),
        code="kept_upload",
    )
    try:
        payload = signing.loads(token, salt=SALT, max_age=KEPT_FOR)
    except signing.BadSignature:  # altered, or expired (SignatureExpired is one)
        raise refused from None
    stored_name = payload.get("name", "") if isinstance(payload, dict) else ""
    if not STORED_NAME.fullmatch(stored_name) or not default_storage.exists(stored_name):
        raise refused
    return KeptUpload(token, str(payload.get("filename") or "image"), stored_name)


def open_kept(token):
    """The kept upload as a file for the form; ValidationError as `kept_upload`."""
    kept = kept_upload(token)
    with default_storage.open(kept.stored_name, "rb") as stored:
        return KeptUploadedFile(kept, stored.read())


def discard(token):
    """Delete the file a (genuine) token names, if it is still there."""
    try:
        kept = kept_upload(token)
    except ValidationError:
        return
    default_storage.delete(kept.stored_name)


def sweep(*, now=None):
    """Delete kept uploads older than KEPT_FOR; how many were deleted."""
    limit = (now or timezone.now()) - KEPT_FOR
    try:
        _directories, names = default_storage.listdir(PREFIX)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in names:
        stored_name = f"{PREFIX}{name}"
        if (
            STORED_NAME.fullmatch(stored_name)
            and default_storage.get_modified_time(stored_name) < limit
        ):
            default_storage.delete(stored_name)
            deleted += 1
    return deleted


class PendingToken(str):
    """The token posted back instead of a new file; the field reads the file it names."""


class KeptImageInput(AdminFileWidget):
    """The admin's file field, with the upload kept from the last attempt beside it: its
    name, a hidden signed token and a “remove” box. Set `kept` to show one."""

    kept = None

    @staticmethod
    def token_name(name):
        return f"{name}_kept"

    @staticmethod
    def remove_name(name):
        return f"{name}_kept_remove"

    def value_from_datadict(self, data, files, name):
        upload = super().value_from_datadict(data, files, name)
        if upload is not None:  # a new file (it wins) or "clear" ticked
            return upload
        token = data.get(self.token_name(name))
        if token and not data.get(self.remove_name(name)):
            return PendingToken(token)
        return None

    def value_omitted_from_data(self, data, files, name):
        return super().value_omitted_from_data(data, files, name) and not data.get(
            self.token_name(name)
        )

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.kept is None:
            return html
        remove_id = f"id_{self.remove_name(name)}"
        return html + format_html(
            '<input type="hidden" name="{}" value="{}">'
            '<p class="kept-upload">{} <strong>{}</strong> '
            '(<input type="checkbox" name="{}" id="{}" value="1"> <label for="{}">{}</label>)</p>',
            self.token_name(name),
            self.kept.token,
            _("Kept from your last attempt:"),
            self.kept.filename,
            self.remove_name(name),
            remove_id,
            remove_id,
            _("remove"),
        )


class KeptHeroImageField(HeroImageFormField):
    """The hero image field of the article form: a posted-back token stands for the kept
    upload, which then meets the same checks as a new file."""

    widget = KeptImageInput

    def to_python(self, data):
        if isinstance(data, PendingToken):
            data = open_kept(data)
        return super().to_python(data)


def after_refused_save(form, data, name):
    """The page comes back with errors: keep the image the form holds (a new valid upload, or
    the one already kept) and show it beside the field; delete a kept one it no longer holds."""
    previous = data.get(KeptImageInput.token_name(name))
    field = form.fields.get(name)
    if field is None:
        return None
    upload = form.cleaned_data.get(name) if name not in form.errors else None
    if isinstance(upload, KeptUploadedFile):
        now_kept = upload.kept
    elif isinstance(upload, UploadedFile):
        now_kept = keep(upload)
    else:
        now_kept = None
    if previous and (now_kept is None or now_kept.token != previous):
        discard(previous)
    field.widget.kept = now_kept
    return now_kept


def after_save(data, name):
    """The save went through: the kept upload (used, replaced or removed) is deleted."""
    token = data.get(KeptImageInput.token_name(name))
    if token:
        discard(token)
