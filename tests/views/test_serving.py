"""Served as in production: compressed answers, static files cached for a year by their hash."""

import gzip
import re


def test_pages_and_static_files_are_compressed(client):
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    html = gzip.decompress(page.data).decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)\?v=[0-9a-f]+)"', html)
    assert any(".js" in a for a in assets) and any(".css" in a for a in assets)
    for asset in assets:
        response = client.get(asset, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br", asset
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        response.close()


def test_a_client_that_cannot_decompress_gets_plain_answers(client):
    page = client.get("/login")
    assert "Content-Encoding" not in page.headers and b"<html" in page.data


def test_the_production_entry_point_is_not_in_debug_mode():
    from wsgi import app  # what gunicorn serves (make run)

    assert app.debug is False and app.testing is False
