"""The village of a public page comes from its address: ``/<desa>/lapor``, ``/<desa>/status``,
``/<desa>/statistik`` and ``/api/v1/public/<desa>/...``.

One place for every public page and public API operation (the endpoints of
``VILLAGE_BLUEPRINTS``): each of their addresses gets a twin with the village's slug in front
(after ``/api/v1/public`` for the API), and one ``url_value_preprocessor`` takes the slug off,
answers an unknown one with a 404 and chooses the village for the request
(``villages.choose_for_request``), before any view or query runs. The views never see it.

* A village with a host name of its own (``Village.host``, set in the village screen) has
  today's addresses on that host (``https://lapor.babakan.desa.id/lapor``); its
  ``/<desa>/`` twins work everywhere.
* A single-village install keeps today's addresses (``/lapor``...) and needs no setting; the
  twins work there too.
* With several villages, an address without a village cannot know whose register to write
  to: a page leads to the kabupaten's list of villages (``/desa/``), an API call answers a
  404 that says where to send it. Nothing is read or written before a village is chosen.
* Links built on a village's page (``url_for`` of a public endpoint: the menu, the forms'
  actions, the receipt, the files) keep that village (``url_defaults``); the addresses sent
  out (receipt, QR code, WhatsApp and email texts) carry it through
  ``villages.public_base`` (a village with a host name of its own: that host).
"""

from flask import abort, g, redirect, request, url_for
from flask_babel import gettext

from app.auth import villages
from app.web.errors import error_answer

# The slug's name in the address.
DESA = "desa"
# The public pages and the public API: every endpoint of these works for one village.
VILLAGE_BLUEPRINTS = ("PublicView", "StatisticsView", "PublicApi", "StatisticsApi")
API_PREFIX = "/api/v1/public"
# The kabupaten's page that lists the villages (``app.web.views.village_choice``).
DIRECTORY = "VillageDirectoryView.directory"


def _with_village(rule):
    """The twin of a public address with the village's slug in it."""
    if rule.startswith(API_PREFIX + "/"):
        return f"{API_PREFIX}/<{DESA}>{rule[len(API_PREFIX):]}"
    return f"/<{DESA}>{rule}"


def _is_public(endpoint):
    return bool(endpoint) and endpoint.split(".", 1)[0] in VILLAGE_BLUEPRINTS


def add_village_addresses(app):
    """Give every public address its twin ``/<desa>/...`` (same endpoint, same view)."""
    for rule in list(app.url_map.iter_rules()):
        if _is_public(rule.endpoint) and DESA not in rule.arguments:
            app.add_url_rule(_with_village(rule.rule), endpoint=rule.endpoint,
                             view_func=app.view_functions[rule.endpoint],
                             methods=sorted(rule.methods - {"HEAD", "OPTIONS"}))


def _choose_from_address(endpoint, values):
    """``url_value_preprocessor``: the slug chooses the request's village (404 if unknown);
    without one, the host name a village has as its own (``Village.host``) does."""
    if not _is_public(endpoint):
        return
    if values and DESA in values:
        village = villages.by_slug(values.pop(DESA))
        if village is None:
            # Answered by ``_village_needed``, once the request's user is known (the error
            # page shows the staff menu to a logged-in user).
            g.unknown_village = True
            return
    else:
        village = villages.by_host(request.host.rsplit(":", 1)[0])
        if village is None:
            return
        g.village_by_host = True
    villages.choose_for_request(village.id)
    g.public_village = village


def _village_needed():
    """``before_request``: an unknown village is a 404; with several villages, a public
    address without one is sent to the list of villages (a page) or told where to go (the
    API)."""
    if g.get("unknown_village"):
        abort(404)
    if not _is_public(request.endpoint) or g.get("public_village") is not None:
        return None
    if not villages.several():
        return None
    if request.path.startswith("/api/"):
        return error_answer(404, gettext(
            "This installation serves several villages: send the request to "
            "%(path)s, with the village's code in the address.",
            path=_with_village(request.path).replace(f"<{DESA}>", "{desa}")))
    return redirect(url_for(DIRECTORY))


def _keep_the_village(endpoint, values):
    """``url_defaults``: a link from a village's page to another public page stays in that
    village (only needed, and only done, with several villages)."""
    village = g.get("public_village")
    if village is None or DESA in values or not _is_public(endpoint) \
            or g.get("village_by_host"):
        return
    if villages.several():
        values[DESA] = village.slug


def init_app(app):
    add_village_addresses(app)
    app.url_value_preprocessor(_choose_from_address)
    app.before_request(_village_needed)
    app.url_defaults(_keep_the_village)
