"""The app as the benchmark serves it, plus the two baselines (never mounted in production).

``gunicorn tests.bench.bench_app:app`` serves the real app (``create_app``) with
SQL counting on, and adds:

* ``/bench/bare-status/<code>/<last4>``: a bare Flask endpoint doing the status
  page's single indexed look-up (tracking code, not void, phone digits) and
  answering a small JSON: the floor for the public side;
* ``/bench/plain/list/``: FAB's plain generated ``ModelView`` on the complaint
  table with the same list and search columns and order as the register: what a
  FAB user would otherwise get.
"""

import os

from flask import Blueprint, abort, jsonify
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select

from app import create_app
from app.auth.villages import ALL_VILLAGES
from app.extensions import db
from app.models import Complaint
from app.web.views.complaints import ComplaintModelView

PLAIN_LIST_COLUMNS = ["register_number", "subject", "status", "received_at", "complainant_name",
                      "category", "urgency", "assigned_officer", "due_date"]

bare = Blueprint("bench_bare", __name__)


@bare.route("/bench/bare-status/<code>/<last4>")
def bare_status(code, last4):
    """One indexed look-up by tracking code, as the status page does; nothing else."""
    row = db.session.execute(
        select(Complaint.register_number, Complaint.status, Complaint.complainant_phone)
        .where(Complaint.tracking_code == code, Complaint.voided.is_(False))
        # A tracking code is unique across the installation's villages.
        .execution_options(**{ALL_VILLAGES: True})
    ).first()
    if row is None or not row.complainant_phone.endswith(last4):
        abort(404)
    return jsonify(register_number=row.register_number, status=row.status)


@bare.route("/bench/routes")
def routes():
    """The GET routes without arguments whose endpoint names a dashboard or an export, so the
    benchmark finds those screens whatever their URL (they come from another branch)."""
    from flask import current_app

    found = {"dashboard": [], "export": []}
    for rule in current_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments:
            continue
        for kind in found:
            if kind in rule.endpoint.lower():
                found[kind].append(rule.rule)
    return jsonify(found)


class PlainComplaintModelView(ModelView):
    """FAB's generated list on the same table: the same list and search columns and order
    as the register (FAB's defaults would show and search all 40 columns), and nothing of
    ours: no row-level filter, formatters, actions or templates."""

    datamodel = SQLAInterface(Complaint)
    route_base = "/bench/plain"
    class_permission_name = "BenchPlainComplaint"
    list_columns = PLAIN_LIST_COLUMNS
    search_columns = ComplaintModelView.search_columns
    base_order = ("received_at", "desc")
    # Only the list is timed; FAB's default forms take every column and cannot build a field
    # for a computed one (``Complaint.has_duplicates``).
    add_columns = edit_columns = ["subject"]


def make_bench_app():
    """The production app, with SQL counting, the bare endpoint and the plain ModelView."""
    os.environ.setdefault("SQL_QUERY_COUNT", "1")
    app = create_app({"SQL_QUERY_COUNT": True})
    app.register_blueprint(bare)
    app.extensions["csrf"].exempt(bare)

    @app.after_request
    def name_the_worker(response):
        """Which gunicorn worker answered: the client spreads its connections over them."""
        response.headers["X-Worker"] = str(os.getpid())
        return response

    with app.app_context():
        app.appbuilder.add_view_no_menu(PlainComplaintModelView)
    return app


def grant_plain_view(role_name):
    """Let ``role_name`` list the plain view (the bench's own permission, bench DB only)."""
    from flask import current_app

    sm = current_app.appbuilder.sm
    role = sm.find_role(role_name)
    for permission in ("can_list", "can_show"):
        pv = sm.add_permission_view_menu(permission, PlainComplaintModelView.class_permission_name)
        sm.add_permission_role(role, pv)


if os.environ.get("BENCH_WSGI"):
    app = make_bench_app()
