"""Photos: decoded, turned upright, stripped of metadata, thumbnailed, served only in scope."""

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from app.core.models import Attachment
from app.extensions import db
from tests.conftest import csrf_from, make_site
from tests.helpers import add_photo, first_location, image_bytes


def exif_rotated_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "SecretCam"  # make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS
    return image_bytes(size=(80, 40), exif=exif)


def upload(client, location, data: bytes, name="p.jpg"):
    page = client.get(f"/sites/locations/{location.public_id}").text
    return client.post(f"/sites/locations/{location.public_id}/photos",
                       data={"csrf_token": csrf_from(page), "photo": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_photo_is_upright_without_metadata_and_has_a_thumbnail(app, client, login_as, site):
    login_as("inspector")
    location = first_location(app, site)
    response = upload(client, location, exif_rotated_with_gps())
    assert response.status_code == 303
    with app.app_context():
        photo = db.session.scalar(select(Attachment))
        assert (photo.width, photo.height) == (40, 80)  # rotated by its EXIF orientation
        public_id = photo.public_id
    served = client.get(f"/attachments/{public_id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(BytesIO(served.data))
    assert not image.getexif()  # no orientation, camera or GPS left
    assert b"SecretCam" not in served.data
    thumb = client.get(f"/attachments/{public_id}/thumb")
    assert thumb.status_code == 200 and Image.open(BytesIO(thumb.data)).size == (40, 80)
    page = client.get(f"/sites/locations/{location.public_id}").text
    assert f"/attachments/{public_id}/thumb" in page


def test_not_an_image_is_refused_whatever_its_name(app, client, login_as, site):
    login_as("inspector")
    location = first_location(app, site)
    response = upload(client, location, b"<html><script>alert(1)</script>", name="x.jpg")
    assert response.status_code == 422
    assert "not a photo that can be read" in response.text
    svg = upload(client, location, b'<svg xmlns="http://www.w3.org/2000/svg"/>', name="a.png")
    assert svg.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Attachment)) is None


def test_missing_and_oversized_files(app, client, login_as, site):
    login_as("inspector")
    location = first_location(app, site)
    page = client.get(f"/sites/locations/{location.public_id}").text
    missing = client.post(f"/sites/locations/{location.public_id}/photos",
                          data={"csrf_token": csrf_from(page)})
    assert missing.status_code == 422 and "This field is required." in missing.text
    app.config["MAX_IMAGE_BYTES"] = 1000
    big = upload(client, location, image_bytes(fmt="PNG", size=(400, 400), color=(1, 2, 3)) +
                 b"\0" * 2000)
    assert big.status_code == 422 and "larger than" in big.text
    app.config["MAX_CONTENT_LENGTH"] = 500
    too_large = upload(client, location, b"\0" * 5000)
    assert too_large.status_code == 413


def test_photos_are_served_only_to_users_of_the_site(app, client, login_as, site):
    other = make_site(app, name="Other", code="OTH")
    public_id = add_photo(app, first_location(app, other))
    login_as("inspector")  # assigned to `site`, not to `other`
    assert client.get(f"/attachments/{public_id}").status_code == 404
    assert client.get(f"/attachments/{public_id}/thumb").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/attachments/{public_id}").status_code == 303


def test_staff_may_look_but_not_add_photos(app, client, login_as, site):
    login_as("staff")
    location = first_location(app, site)
    assert "Add photo" not in client.get(f"/sites/locations/{location.public_id}").text
    assert upload(client, location, image_bytes()).status_code == 403


def test_a_decompression_bomb_is_refused_before_decoding(app, client, login_as, site):
    login_as("inspector")
    location = first_location(app, site)
    out = BytesIO()
    Image.new("1", (9000, 8000)).save(out, "PNG")  # a few KB that decode to 72 megapixels
    response = upload(client, location, out.getvalue())
    assert response.status_code == 422 and "too many pixels" in response.text


@pytest.mark.fresh_app
def test_a_failed_request_leaves_no_files(app, client, login_as, site):
    from pathlib import Path

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, not a raise

    @app.after_request
    def fail_late(response):  # something fails after the files were written
        if response.status_code == 303:
            raise RuntimeError("disk full")
        return response

    login_as("inspector")
    location = first_location(app, site)
    page = client.get(f"/sites/locations/{location.public_id}").text
    with app.app_context():
        from app.core.attachments import upload_dir

        folder = Path(upload_dir())
    before = set(folder.iterdir())
    response = client.post(f"/sites/locations/{location.public_id}/photos", data={
        "csrf_token": csrf_from(page), "photo": (BytesIO(image_bytes()), "p.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 500
    assert set(folder.iterdir()) == before
    with app.app_context():
        assert db.session.scalar(select(Attachment)) is None
