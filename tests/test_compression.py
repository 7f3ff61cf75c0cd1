"""Text answers travel gzip-compressed; what is compressed already, or streamed, does not."""

import gzip
import hashlib
from pathlib import Path

import flask_appbuilder

FAB_STATIC = Path(flask_appbuilder.__file__).parent / "static" / "appbuilder"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def test_a_static_file_is_sent_compressed_and_unpacks_to_the_file(app, client):
    original = (FAB_STATIC / "css/bootstrap.min.css").read_bytes()
    version = hashlib.sha1(original).hexdigest()[:10]
    response = client.get(f"/static/appbuilder/css/bootstrap.min.css?v={version}", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 4
    assert int(response.headers["Content-Length"]) == len(body)
    assert "max-age=31536000" in response.headers["Cache-Control"]  # still kept for a year


def test_a_page_is_compressed_only_for_a_browser_that_asks(app, client, login_as):
    login_as("desk")
    plain = client.get("/complaint/list/")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get("/complaint/list/", headers=GZIP)
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(packed.get_data())


def test_a_revalidation_of_a_compressed_file_still_matches(app, client):
    first = client.get("/static/app.css", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"].startswith('W/"')
    again = client.get("/static/app.css", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_images_and_pdfs_pass_unchanged(app, client):
    image = client.get("/static/appbuilder/img/fab.png", headers=GZIP)
    assert image.status_code == 200 and "Content-Encoding" not in image.headers
    font = client.get("/static/appbuilder/css/webfonts/fa-solid-900.woff2", headers=GZIP)
    assert font.status_code == 200 and "Content-Encoding" not in font.headers


def test_pages_can_be_left_uncompressed(app, client):
    app.config["COMPRESS_PAGES"] = False
    try:
        page = client.get("/lapor", headers=GZIP)
        assert page.status_code == 200 and "Content-Encoding" not in page.headers
        css = client.get("/static/public.css", headers=GZIP)
        assert css.headers["Content-Encoding"] == "gzip"
    finally:
        app.config["COMPRESS_PAGES"] = True


def test_the_public_statistics_still_answer_304_to_their_compressed_etag(app, client):
    first = client.get("/statistik", headers=GZIP)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    again = client.get("/statistik", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
