"""The photos of a request are checked and decoded before the view runs.

Two reasons. The work one request may ask of a worker is bounded: at most
MAX_PHOTOS_PER_REQUEST photos and MAX_REQUEST_PIXELS pixels in all, judged from the headers
before anything is decoded, so an oversized request is refused at once. And the decoding
(a quarter of a second or more per photo) happens while the request holds no SQLite write
lock: this phase reads only, and ends its read transaction before the view begins writing.

Only the photos of someone the view will let in are decoded; CSRF and rate limits run before.
"""

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.attachments.images import (
    PreparedPhoto,
    UploadError,
    is_pdf,
    pixels_of,
    prepare_photo,
    read_upload,
)
from app.core.db import reading_only
from app.core.permissions import user_can


def _photo_uploads() -> list:
    files = [upload for key in request.files for upload in request.files.getlist(key)]
    return [upload for upload in files if upload and upload.filename and not is_pdf(upload)]


def _view_lets_in() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    permission = getattr(view, "permission", False)
    if permission is None:  # a public page (the customer request form)
        return True
    return bool(permission) and user_can(current_user, permission)


def _within_budget(uploads: list, results: dict) -> None:
    """Refuse the whole request when it asks too much; mark single photos that cannot be read."""
    config = current_app.config
    if len(uploads) > config["MAX_PHOTOS_PER_REQUEST"]:
        raise UploadError(_l("Send at most %(count)d photos at a time.",
                             count=config["MAX_PHOTOS_PER_REQUEST"]))
    total = 0
    for upload in uploads:
        try:
            total += pixels_of(read_upload(upload))
        except UploadError as error:
            results[id(upload)] = error
    if total > config["MAX_REQUEST_PIXELS"]:
        raise UploadError(_l("These photos are too large to send together: send fewer at a "
                             "time."))


def prepare_request_photos() -> None:
    if request.method != "POST" or not request.files:
        return
    with reading_only():
        uploads = _photo_uploads()
        if not uploads or not _view_lets_in():
            return
        results: dict[int, PreparedPhoto | UploadError] = {}
        g.prepared_photos = results
        try:
            _within_budget(uploads, results)
        except UploadError as error:
            results.update({id(upload): error for upload in uploads})
            return
        for upload in uploads:
            if id(upload) not in results:
                try:
                    results[id(upload)] = prepare_photo(read_upload(upload))
                except UploadError as error:
                    results[id(upload)] = error


def prepared(upload) -> PreparedPhoto:
    """The photo as prepared before the view, or prepared now (services called directly)."""
    result = g.get("prepared_photos", {}).get(id(upload))
    if isinstance(result, UploadError):
        raise result
    return result or prepare_photo(read_upload(upload))


def init_app(app) -> None:
    app.before_request(prepare_request_photos)
