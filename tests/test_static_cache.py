"""Static files: versioned URLs, kept by the browser for a year; a repeat visit on a phone
downloads only the page."""

import hashlib
import re
from pathlib import Path

import flask_appbuilder

ROOT = Path(__file__).resolve().parents[1]
FAB_STATIC = Path(flask_appbuilder.__file__).parent / "static" / "appbuilder"


def _sha(path):
    return hashlib.sha1(path.read_bytes()).hexdigest()[:10]


def _links(page):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_every_static_url_of_a_staff_page_carries_the_files_version(app, client, login_as):
    login_as("desk")
    links = _links(client.get("/complaint/list/").get_data(as_text=True))
    assert f"/static/app.css?v={_sha(ROOT / 'app/static/app.css')}" in links
    bootstrap = FAB_STATIC / "css/bootstrap.min.css"
    assert f"/static/appbuilder/css/bootstrap.min.css?v={_sha(bootstrap)}" in links
    assert links and all("?v=" in link for link in links), links


def test_the_public_pages_css_is_versioned_too(app, client):
    page = client.get("/lapor").get_data(as_text=True)
    assert f"/static/public.css?v={_sha(ROOT / 'app/static/public.css')}" in _links(page)


def test_a_versioned_file_is_kept_for_a_year_and_an_unversioned_one_is_revalidated(app, client):
    current = _sha(ROOT / "app/static/app.css")
    kept = client.get(f"/static/app.css?v={current}")
    assert kept.status_code == 200
    cache = kept.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    for url in ("/static/app.css", "/static/app.css?v=0000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "max-age=31536000" not in response.headers.get("Cache-Control", ""), url
    fab = client.get(f"/static/appbuilder/js/ab.js?v={_sha(FAB_STATIC / 'js/ab.js')}")
    assert "max-age=31536000" in fab.headers["Cache-Control"]


def test_pages_themselves_are_still_never_stored(app, client, login_as):
    login_as("desk")
    assert client.get("/").headers["Cache-Control"] == "no-store"
