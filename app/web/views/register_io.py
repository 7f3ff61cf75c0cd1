"""Register export (XLSX / CSV, following the list's filters) and import (dry run, then all)."""

import os
import re
import secrets
import tempfile
import time

from flask import Response, flash, g, redirect, request, stream_with_context, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext

from app.auth import access
from app.core.timeutil import now_wib
from app.reporting import register_io
from app.web.views.complaints import ComplaintModelView

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PENDING_HOURS = 12
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pending_dir():
    path = os.path.join(tempfile.gettempdir(), "pengaduan-import")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _pending_path(token, extension):
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,40}", token or "") or extension not in ("xlsx", "csv"):
        return None
    return os.path.join(_pending_dir(), f"{g.user.id}-{token}.{extension}")


def _drop_old_pending():
    limit = time.time() - PENDING_HOURS * 3600
    for name in os.listdir(_pending_dir()):
        path = os.path.join(_pending_dir(), name)
        if os.path.getmtime(path) < limit:
            os.remove(path)


class RegisterFileView(BaseView):
    """The register in and out of files: export for desk, head and admin; import for the desk."""

    route_base = "/register"
    class_permission_name = "RegisterFile"
    method_permission_name = {"export": "export", "import_file": "import",
                              "import_confirm": "import"}
    default_view = "import_file"

    @expose("/export.<fmt>")
    @has_access
    def export(self, fmt):
        """The register as the user may see it, narrowed by the list's filters (same URL args)."""
        if fmt not in ("xlsx", "csv"):
            return redirect(url_for("ComplaintModelView.list"))
        filters = access.complaint_filters(ComplaintModelView.search_columns)
        get_filter_args(filters)
        query = register_io.export_query(g.user, filters, overdue=bool(request.args.get("overdue")))
        register_io.record_export_views(query, g.user)
        name = f"buku-pengaduan-{now_wib():%Y%m%d-%H%M}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "no-store"}
        if fmt == "csv":
            body = stream_with_context(register_io.csv_chunks(query, g.user))
            return Response(body, mimetype="text/csv", headers=headers)
        handle = register_io.xlsx_file(query, g.user)
        return Response(register_io.file_chunks(handle), mimetype=XLSX_TYPE, headers=headers)

    @expose("/import", methods=["GET", "POST"])
    @has_access
    def import_file(self):
        """Step 1, the dry run: upload, check every row, keep the file for step 2 if clean."""
        check, token, extension, filename = None, None, None, None
        if request.method == "POST":
            upload = request.files.get("file")
            filename = upload.filename if upload else ""
            data = upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""
            if not upload or not filename:
                flash(gettext("Choose an .xlsx or .csv file."), "warning")
            elif len(data) > MAX_UPLOAD_BYTES:
                flash(gettext("The file is larger than 20 MB."), "danger")
            else:
                check = register_io.check_file(filename, data)
                if check.ok:
                    _drop_old_pending()
                    token = secrets.token_urlsafe(18)
                    extension = filename.rsplit(".", 1)[-1].lower()
                    with open(_pending_path(token, extension), "wb") as handle:
                        handle.write(data)
        return self.render_template("register_io/import.html", check=check, token=token,
                                    extension=extension, filename=filename,
                                    headers=register_io.COLUMNS,
                                    title=gettext("Import the register"))

    @expose("/import/confirm", methods=["POST"])
    @has_access
    def import_confirm(self):
        """Step 2: check the kept file again (the register may have changed), then import all."""
        path = _pending_path(request.form.get("token"), request.form.get("extension"))
        filename = request.form.get("filename") or ""
        if path is None or not os.path.exists(path):
            flash(gettext("The checked file is no longer available; upload it again."), "warning")
            return redirect(url_for("RegisterFileView.import_file"))
        with open(path, "rb") as handle:
            data = handle.read()
        check = register_io.check_file(path, data)
        if not check.ok:
            flash(gettext("The register changed since the check; nothing was imported."),
                  "danger")
            return self.render_template("register_io/import.html", check=check, token=None,
                                        extension=None, filename=filename,
                                        headers=register_io.COLUMNS,
                                        title=gettext("Import the register"))
        try:
            count = register_io.import_rows(check, g.user, source=filename)
        except register_io.ImportRefused as exc:
            os.remove(path)  # checked against a register that has changed: upload it again
            flash(str(exc), "danger")
            return redirect(url_for("RegisterFileView.import_file"))
        os.remove(path)
        flash(gettext("%(count)s register entries imported.", count=count), "success")
        return redirect(url_for("ComplaintModelView.list"))
