"""Registers every screen, the staff API and the public pages with FAB, in menu order."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.auth import security, villages
from app.web.api import ComplaintApi
from app.web.views.accounts import AccountLinkView, OfficerAccountView
from app.web.views.audit import AuditLogModelView
from app.web.views.base import check_list_args
from app.web.views.complaints import (ComplaintModelView, LateFollowupComplaintModelView,
                                      LateVerificationComplaintModelView,
                                      OverdueComplaintModelView)
from app.web.views.dashboard import DashboardView
from app.web.views.deadlines import DeadlineTierModelView, HolidayModelView
from app.web.views.duplicates import DuplicateView
from app.web.views.evidence import AttachmentView
from app.web.views.help import HelpView
from app.web.views.inbox import InboxModelView
from app.web.views.identity import IdentityViewModelView, ResponseTemplateModelView
from app.web.views.informing import InformView
from app.web.views.master import CategoryModelView, DusunModelView, OfficerModelView
from app.web.views.meetings import MeetingModelView
from app.web.views.notifications import OutboxView, TasksView
from app.web.views.privacy import ResidentRequestView, RetentionView
from app.web.views.public import PublicView
from app.web.views.public_api import PublicApi
from app.web.views.referrals import ReferralView
from app.web.views.register_io import RegisterFileView
from app.web.views.statistics import StatisticsApi, StatisticsView
from app.web.views.village_choice import (VillageChoiceView, VillageDirectoryView,
                                         chooser_when_needed)
from app.web.views.villages import VillageModelView


def register_views(appbuilder):
    """Add the screens, the staff API, and the public pages and API to ``appbuilder``."""
    current_app.before_request(check_list_args)  # every list's paging and sorting
    current_app.before_request(chooser_when_needed)  # an admin without a village chooses one
    appbuilder.add_api(ComplaintApi)
    appbuilder.add_view(
        ComplaintModelView, security.MENU_COMPLAINTS, label=_l("Complaint register"),
        icon="fa-book", category=security.MENU_REGISTER, category_label=_l("Register"),
        category_icon="fa-book",
    )
    appbuilder.add_view(
        OverdueComplaintModelView, security.MENU_OVERDUE, label=_l("Overdue complaints"),
        icon="fa-exclamation-triangle", category=security.MENU_REGISTER,
    )
    appbuilder.add_view(
        LateVerificationComplaintModelView, security.MENU_LATE_VERIFICATION,
        label=_l("Verification late"), icon="fa-hourglass-end", category=security.MENU_REGISTER,
    )
    appbuilder.add_view(
        LateFollowupComplaintModelView, security.MENU_LATE_FOLLOWUP,
        label=_l("First follow-up late"), icon="fa-hourglass-half",
        category=security.MENU_REGISTER,
    )
    appbuilder.add_view(
        MeetingModelView, security.MENU_MEETINGS, label=_l("Review meetings"),
        icon="fa-calendar", category=security.MENU_REGISTER,
    )
    appbuilder.add_view(
        InboxModelView, security.MENU_INBOX, label=_l("Inbox"), icon="fa-envelope",
        category=security.MENU_REGISTER,
    )
    appbuilder.add_view(
        ReferralView, security.MENU_REFERRALS, label=_l("Referred to us"), icon="fa-level-up",
        category=security.MENU_REFERRALS, category_label=_l("Referrals"),
        category_icon="fa-level-up",
    )
    appbuilder.add_view_no_menu(InformView)
    appbuilder.add_view_no_menu(AttachmentView)
    appbuilder.add_view_no_menu(DuplicateView)
    appbuilder.add_view(
        OfficerModelView, security.MENU_OFFICERS, label=_l("Officers"), icon="fa-users",
        category=security.MENU_MASTER, category_label=_l("Master data"), category_icon="fa-cog",
    )
    appbuilder.add_view(
        CategoryModelView, security.MENU_CATEGORIES, label=_l("Categories"), icon="fa-tags",
        category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        DusunModelView, security.MENU_DUSUN, label=_l("Dusun"), icon="fa-map-marker",
        category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        DashboardView, security.MENU_DASHBOARD, label=_l("Dashboard"), icon="fa-bar-chart",
        category=security.MENU_REPORTS, category_label=_l("Reports"), category_icon="fa-bar-chart",
    )
    appbuilder.add_view(
        RegisterFileView, security.MENU_IMPORT, label=_l("Import the register"),
        icon="fa-upload", category=security.MENU_REGISTER,
    )
    appbuilder.add_view(
        VillageModelView, security.MENU_VILLAGES, label=_l("Villages"), icon="fa-home",
        category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        DeadlineTierModelView, security.MENU_DEADLINE_TIERS, label=_l("Deadline tiers"),
        icon="fa-clock-o", category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        HolidayModelView, security.MENU_HOLIDAYS, label=_l("Holidays and cuti bersama"),
        icon="fa-calendar-times-o", category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        ResponseTemplateModelView, security.MENU_RESPONSE_TEMPLATES,
        label=_l("Response templates"), icon="fa-comments", category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        IdentityViewModelView, security.MENU_IDENTITY_VIEWS, label=_l("Identity views"),
        icon="fa-eye", category=security.MENU_MASTER,
    )
    appbuilder.add_link(
        security.MENU_TASKS, label=_l("My tasks"), href="/tasks/", icon="fa-bell",
        category=security.MENU_REGISTER)
    appbuilder.add_view_no_menu(TasksView)
    appbuilder.add_view(
        OutboxView, security.MENU_OUTBOX, label=_l("Outbox"), icon="fa-envelope",
        category=security.MENU_MASTER)
    appbuilder.add_view(
        AuditLogModelView, security.MENU_AUDIT_LOG, label=_l("Audit log"), icon="fa-history",
        category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        RetentionView, security.MENU_RETENTION, label=_l("Retention of personal data"),
        icon="fa-user-secret", category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        ResidentRequestView, security.MENU_RESIDENT_REQUESTS,
        label=_l("Residents' data requests"), icon="fa-id-card", category=security.MENU_REGISTER,
    )
    appbuilder.add_view(
        VillageChoiceView, security.MENU_WORKING_VILLAGE, label=_l("The village you work in"),
        icon="fa-home", category=security.MENU_MASTER, menu_cond=villages.several)
    appbuilder.add_view(HelpView, security.MENU_HELP, label=_l("Help"), icon="fa-question-circle")
    appbuilder.add_view_no_menu(OfficerAccountView)
    appbuilder.add_view_no_menu(AccountLinkView)
    appbuilder.add_view_no_menu(PublicView)
    appbuilder.add_api(PublicApi)
    appbuilder.add_view_no_menu(StatisticsView)
    appbuilder.add_api(StatisticsApi)
    appbuilder.add_view_no_menu(VillageDirectoryView)
