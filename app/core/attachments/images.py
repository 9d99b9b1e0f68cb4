"""Photos decoded and re-encoded on the server, never trusted as sent.

An upload is accepted only when Pillow decodes it as an image (the name and the declared type
are ignored). It is turned upright by its EXIF orientation, re-encoded as JPEG without any
metadata (no GPS position, camera serial or comment leaks), reduced to IMAGE_MAX_SIDE, and
thumbnailed. A drawing (a signature) is re-encoded the same way but as PNG: its strokes stay
sharp, and it is smaller so. Sizes are checked from the header before anything is decoded: a
small file can hold a huge picture.
"""

import base64
import binascii
import warnings
from dataclasses import dataclass
from io import BytesIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.domain import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}
_UNREADABLE = (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
               ValueError)


class UploadError(DomainError):
    """A file that is not an acceptable image; the message is shown to the user."""


MAX_DRAWING_BYTES = 512 * 1024
PNG_DATA_URL = "data:image/png;base64,"


def drawn_png(data_url: str) -> BytesIO:
    """The PNG a signature pad sent (a data URL), as an upload that save_image checks (it
    decodes the image: anything else is refused there)."""
    if not data_url.startswith(PNG_DATA_URL) or len(data_url) > MAX_DRAWING_BYTES * 4 // 3:
        raise UploadError(_l("Sign in the box first."))
    try:
        data = base64.b64decode(data_url[len(PNG_DATA_URL):], validate=True)
    except (binascii.Error, ValueError):
        raise UploadError(_l("Sign in the box first.")) from None
    upload = BytesIO(data)
    upload.filename = "signature.png"
    return upload


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: the re-encoded picture and its thumbnail."""

    full: bytes
    thumb: bytes
    width: int
    height: int


def chosen_files(field) -> list:
    """The files a (multiple) file field really sent: browsers send an empty part when
    nothing was chosen."""
    return [upload for upload in (field.data or []) if upload and upload.filename]


def is_pdf(upload) -> bool:
    """By its content, whatever its name says; the stream is left where it was."""
    head = upload.read(5)
    upload.seek(0)
    return head == b"%PDF-"


def read_upload(file_storage) -> bytes:
    limit = current_app.config["MAX_IMAGE_BYTES"]
    file_storage.seek(0)
    data = file_storage.read(limit + 1)
    file_storage.seek(0)
    if not data:
        raise UploadError(_l("The file is empty."))
    if len(data) > limit:
        raise UploadError(_l("The photo is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    return data


def pixels_of(data: bytes) -> int:
    """Width x height from the header alone (nothing decoded); UploadError if unreadable."""
    Image.MAX_IMAGE_PIXELS = current_app.config["MAX_IMAGE_PIXELS"]
    try:
        with warnings.catch_warnings():  # the size is judged just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise UploadError(_l("Only photos (JPEG, PNG, WebP, GIF) can be attached."))
                width, height = probe.size
    except Image.DecompressionBombError as error:
        raise UploadError(_l("This photo has too many pixels.")) from error
    except _UNREADABLE as error:
        if isinstance(error, UploadError):
            raise
        raise UploadError(_l("This file is not a photo that can be read.")) from error
    if width * height > current_app.config["MAX_IMAGE_PIXELS"]:
        raise UploadError(_l("This photo has too many pixels."))
    return width * height


def _decode(data: bytes) -> Image.Image:
    pixels_of(data)
    try:
        with Image.open(BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(BytesIO(data))
        if image.format == "JPEG":  # decode at a reduced scale when it is bigger than needed
            side = current_app.config["IMAGE_MAX_SIDE"]
            image.draft("RGB", (side, side))
        image.load()
    except _UNREADABLE as error:
        raise UploadError(_l("This file is not a photo that can be read.")) from error
    return image


def _flatten(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    return image


def _encoded(image: Image.Image, side: int, image_format: str) -> bytes:
    image = image.copy()
    image.thumbnail((side, side))
    # Pillow writes the source's comment (a JPEG COM segment, PNG text) back unless told not to.
    image.info = {}
    out = BytesIO()
    if image_format == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True)  # no exif= : metadata is dropped
    return out.getvalue()


def prepare_photo(data: bytes, image_format: str = "JPEG") -> PreparedPhoto:
    """Decode, turn upright, strip and re-encode one photo (a drawing: as PNG); UploadError
    when it cannot be."""
    image = _flatten(_decode(data))
    full = _encoded(image, current_app.config["IMAGE_MAX_SIDE"], image_format)
    thumb = _encoded(image, current_app.config["THUMB_SIDE"], image_format)
    width, height = Image.open(BytesIO(full)).size
    return PreparedPhoto(full=full, thumb=thumb, width=width, height=height)
