"""Small helpers shared by the view tests."""

from io import BytesIO

from PIL import Image

from app.core import attachments
from app.extensions import db
from app.sites.models import Location


class Upload(BytesIO):
    """A werkzeug-like FileStorage for calling services directly."""

    def __init__(self, data: bytes, filename: str = "photo.jpg"):
        super().__init__(data)
        self.filename = filename


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    out = BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def add_photo(app, location: Location) -> str:
    """Attach a photo to a location; returns the attachment's public id."""
    with app.app_context():
        photo = attachments.save_image(Upload(image_bytes()), entity_type="location",
                                       entity_id=location.id, site_id=location.site_id, by=None)
        db.session.commit()
        return str(photo.public_id)


def first_location(app, site) -> Location:
    with app.app_context():
        return db.session.scalar(db.select(Location).where(Location.site_id == site.id)
                                 .order_by(Location.id))
