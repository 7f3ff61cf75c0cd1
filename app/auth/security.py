"""Roles as data: each role's permissions in one table, synced by one function.

Permission names are FAB's ``(permission, view_menu)`` pairs. Every view fixes
its ``class_permission_name``, so the names below are stable. The Admin role
gets every permission from FAB itself; Public (anonymous) gets none: the
public pages do not go through FAB's permissions.
"""

from flask import current_app

from app.core import workflow

ADMIN = "Admin"
DESK = "Petugas Pengelola"
LIAISON = "Petugas Penghubung"
HEAD = "Kepala Desa"
PUBLIC = "Public"
# Above the villages (issue 25): read-only figures across their villages (an ``Oversight``
# row says which), and the complaints a village refers to them.
CAMAT = "Camat"
INSPEKTORAT = "Inspektorat"

# Menu entries (FAB checks "menu_access" on these names).
MENU_REGISTER = "Register"
MENU_COMPLAINTS = "Complaints"
MENU_OVERDUE = "Overdue complaints"
MENU_LATE_VERIFICATION = "Verification late"
MENU_LATE_FOLLOWUP = "First follow-up late"
MENU_OFFICERS = "Officers"
MENU_CATEGORIES = "Categories"
MENU_DUSUN = "Dusun"
MENU_MASTER = "Master data"
MENU_MEETINGS = "Meetings"
MENU_REPORTS = "Reports"
MENU_DASHBOARD = "Dashboard"
MENU_IMPORT = "Import register"
MENU_VILLAGES = "Villages"  # admin only
MENU_DEADLINE_TIERS = "Deadline tiers"  # admin only
MENU_HOLIDAYS = "Holidays"  # admin only
MENU_RESPONSE_TEMPLATES = "Response templates"
MENU_IDENTITY_VIEWS = "Identity views"
MENU_TASKS = "My tasks"
MENU_OUTBOX = "Outbox"  # admin only
MENU_AUDIT_LOG = "Audit log"  # admin only
MENU_RETENTION = "Retention"  # admin only
MENU_RESIDENT_REQUESTS = "Resident requests"
MENU_INBOX = "Inbox"
MENU_HELP = "Help"
MENU_WORKING_VILLAGE = "Working village"  # admin only, with several villages
MENU_REFERRALS = "Referrals"  # the Camat's and Inspektorat's queue
MENU_COMPARISON = "Village comparison"

# What every logged-in staff member may do: see their own profile, change their password,
# read the guide.
_SELF_SERVICE = [
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    # Bantuan: the guide for every role, and its PDF.
    ("can_show", "Help"),
    ("menu_access", MENU_HELP),
]

_READ_REGISTER = [
    ("can_list", "Complaint"),
    ("can_show", "Complaint"),
    ("can_file", "Attachment"),  # a file goes with its complaint (access.can_read_attachment)
    ("can_get", "ComplaintApi"),
    ("menu_access", MENU_REGISTER),
    ("menu_access", MENU_COMPLAINTS),
    ("menu_access", MENU_OVERDUE),
    ("menu_access", MENU_LATE_VERIFICATION),
    ("menu_access", MENU_LATE_FOLLOWUP),
]

_READ_MASTER = [
    ("can_list", "Officer"),
    ("can_show", "Officer"),
    ("can_list", "Category"),
    ("can_show", "Category"),
    ("can_list", "Dusun"),
    ("can_show", "Dusun"),
    ("menu_access", MENU_MASTER),
    ("menu_access", MENU_OFFICERS),
    ("menu_access", MENU_CATEGORIES),
    ("menu_access", MENU_DUSUN),
]

_READ_MEETINGS = [
    ("can_list", "Meeting"),
    ("can_show", "Meeting"),
    ("can_berita_acara", "Meeting"),
    ("can_ics", "Meeting"),
    ("menu_access", MENU_MEETINGS),
]

ROLE_PERMISSIONS = {
    DESK: _SELF_SERVICE
    + _READ_REGISTER
    + _READ_MASTER
    + [
        ("can_add", "Complaint"),
        ("can_edit", "Complaint"),
        ("can_receipt", "Complaint"),
        ("can_void", "Complaint"),
        ("can_step", "Complaint"),
        ("can_bulk_step", "Complaint"),
        ("can_post", "ComplaintApi"),
        ("can_put", "ComplaintApi"),
        ("can_step", "ComplaintApi"),
        ("can_add", "Attachment"),
        ("can_withdraw", "Attachment"),
        ("can_publish", "Attachment"),
        # Duplicates: see the candidates, link to a main complaint, unlink.
        ("can_link", "Duplicate"),
        ("can_link", "ComplaintApi"),
        # The email inbox: read the messages, register, add to a complaint, set aside.
        ("can_list", "Inbox"),
        ("can_show", "Inbox"),
        ("can_handle", "Inbox"),
        ("menu_access", MENU_INBOX),
    ]
    + _READ_MEETINGS
    + [
        ("can_schedule", "Meeting"),
        ("can_minutes", "Meeting"),
        ("can_inform", "Inform"),
        # An officer who left: the desk hands their open complaints on.
        ("can_reassign", "OfficerAccount"),
        # Residents' requests about their data (copy, correction, erasure).
        ("can_requests", "ResidentRequest"),
        ("menu_access", MENU_RESIDENT_REQUESTS),
    ],
    LIAISON: _SELF_SERVICE + _READ_REGISTER + [("can_step", "Complaint"),
                                               ("can_step", "ComplaintApi"),
                                               # before/after photos; withdraw their own
                                               ("can_add", "Attachment"),
                                               ("can_withdraw", "Attachment")],
    HEAD: _SELF_SERVICE + _READ_REGISTER + _READ_MASTER + _READ_MEETINGS,
    PUBLIC: [],
    CAMAT: list(_SELF_SERVICE),
    INSPEKTORAT: list(_SELF_SERVICE),
}

# What a village referred to a Camat or the Inspektorat: their queue, each complaint read-only
# with its files (``access.can_view``: only what was referred to their area), and the answer.
_REFERRALS = [
    ("can_list", "Referral"),
    ("can_show", "Referral"),
    ("can_answer", "Referral"),
    ("can_file", "Attachment"),
    ("menu_access", MENU_REFERRALS),
]
ROLE_PERMISSIONS.update({role: ROLE_PERMISSIONS[role] + _REFERRALS
                         for role in (CAMAT, INSPEKTORAT)})
# Perbandingan desa: the villages of their area compared, and one village's figures.
_COMPARISON = [
    ("can_show", "Comparison"),
    ("menu_access", MENU_REPORTS),
    ("menu_access", MENU_COMPARISON),
]
ROLE_PERMISSIONS[CAMAT] = ROLE_PERMISSIONS[CAMAT] + _COMPARISON
ROLE_PERMISSIONS[INSPEKTORAT] = ROLE_PERMISSIONS[INSPEKTORAT] + _COMPARISON

# Dashboard and period report: the Kepala Desa, the desk (and the admin, who has all).
_DASHBOARD = [
    ("can_show", "Dashboard"),
    ("can_report", "Dashboard"),
    ("menu_access", MENU_REPORTS),
    ("menu_access", MENU_DASHBOARD),
]
# Export of the register (identity masked where not visible); import for the desk only.
_EXPORT = [("can_export", "RegisterFile")]
_IMPORT = [("can_import", "RegisterFile"), ("menu_access", MENU_IMPORT)]
ROLE_PERMISSIONS[DESK] = ROLE_PERMISSIONS[DESK] + _DASHBOARD + _EXPORT + _IMPORT
ROLE_PERMISSIONS[HEAD] = ROLE_PERMISSIONS[HEAD] + _DASHBOARD + _EXPORT

# "Tugas saya", the bell and one's own notification channels: every staff role.
_TASKS = [("can_tasks", "MyTasks"), ("menu_access", MENU_TASKS)]
ROLE_PERMISSIONS.update({role: ROLE_PERMISSIONS[role] + _TASKS
                         for role in (DESK, LIAISON, HEAD, CAMAT, INSPEKTORAT)})

# How each role acts in the workflow (see app.core.workflow).
ROLE_ACTORS = {
    ADMIN: {workflow.DESK},
    DESK: {workflow.DESK},
    LIAISON: {workflow.LIAISON},
    HEAD: {workflow.HEAD},
    CAMAT: {workflow.OVERSIGHT},
    INSPEKTORAT: {workflow.OVERSIGHT},
}


def actors_of(user):
    """The workflow actors a user acts as, from their roles (empty when anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    actors = set()
    for role in user.roles:
        actors |= ROLE_ACTORS.get(role.name, set())
    return actors


def sync_roles():
    """Create every permission of the registered views and give each role exactly its list.

    Idempotent: run at every start (``run.py``) and by ``flask sync-roles``.
    Permissions a role holds beyond its list are removed, so the table above is
    the whole truth.
    """
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    sm.add_role(ADMIN)
    sm.add_role(PUBLIC)
    appbuilder.add_permissions(update_perms=True)
    for role_name, pairs in ROLE_PERMISSIONS.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = []
        for permission, view_menu in pairs:
            pv = sm.add_permission_view_menu(permission, view_menu)
            if pv is not None and pv not in wanted:
                wanted.append(pv)
        role.permissions = wanted
    sm.session.commit()


def ensure_admin(username, password, email="admin@localhost"):
    """Create the admin login when no user has that name yet; return True if created."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=username):
        return False
    user = sm.add_user(
        username=username,
        first_name="Admin",
        last_name="Desa",
        email=email,
        role=sm.find_role(ADMIN),
        password=password,
    )
    return bool(user)
