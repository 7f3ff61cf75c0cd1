"""Text answers compressed with gzip: pages, JSON, CSS and JavaScript.

A phone on a slow line pays for every byte: FAB's Bootstrap, Font Awesome and jQuery shrink to
a quarter or less, and so does a register page. The server does it itself (a village server may
run without a proxy in front); with nginx or Caddy compressing, the answer already carries a
``Content-Encoding`` and is left alone. Images, PDFs, spreadsheets and fonts are compressed
already and pass unchanged; so do streamed answers (the CSV export), whose size is not known.

The ETag of a compressed answer becomes weak (the same way nginx does it): the bytes differ from
the file's, but a revalidation still matches it (If-None-Match compares weakly).

Pages carry a CSRF token next to text a visitor may have typed (a search), which a BREACH
attack could in theory guess byte by byte from compressed sizes; it needs an attacker who can
watch the victim's traffic and make the victim's browser send thousands of requests, and the
login and step forms reflect nothing typed by a third party. ``COMPRESS_PAGES = False`` leaves
HTML uncompressed where that risk matters more than the bytes.
"""

import gzip

from flask import current_app, request

# What is worth compressing: text. Everything else (images, PDF, xlsx, fonts) already is.
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/csv", "text/calendar", "text/javascript",
    "application/javascript", "application/json", "image/svg+xml", "application/xml",
})
# Below this the headers cost more than the saving.
MIN_SIZE = 500
LEVEL = 6


def _accepts_gzip():
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def compress(response):
    """``after_request``: gzip a text answer for a browser that accepts it."""
    if (response.status_code != 200 or response.is_streamed and not response.direct_passthrough
            or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE):
        return response
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip():
        return response
    if response.mimetype == "text/html" and not current_app.config.get("COMPRESS_PAGES", True):
        return response
    # A static file comes as a file wrapper (direct_passthrough); read it to compress it.
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(data, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def init_app(app):
    """Compress ``app``'s text answers. Registered before every other ``after_request`` so it
    runs last (Flask runs them in reverse), on the body and headers the others left."""
    app.after_request_funcs.setdefault(None, []).insert(0, compress)
