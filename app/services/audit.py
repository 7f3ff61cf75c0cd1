"""The audit log: every change to complaints, officers, logins, roles and the admin's lists.

Recorded in one place, a ``before_flush`` listener on the ORM session, so every path
that changes these rows (the screens, the APIs, the CLI, the services) is recorded
without each remembering to: one row per changed field with who, when, the old and
the new value, in the same transaction as the change (a rolled-back change leaves no
row). The table is append-only in the database itself (migration 0018_audit_accounts).

Personal data (a complainant's identity and the resident's own words) is never copied
into the append-only table: its values go to ``audit_personal_value``, which retention
and erasure empty, and the log keeps that the field changed, by whom and when. Who may
read such a value is ``app.access``'s rule for the complaint (``shown``).

Not recorded: bookkeeping columns (change stamps, versions, login counters), and secrets
(a password change is recorded as changed, without values).
"""

import csv
import datetime as dt
import io
import json

from flask import has_request_context
from flask_appbuilder.security.sqla.models import PermissionView, Role, User
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import RelationshipProperty

from app.auth import access, villages
from app.auth.identity import actor_name
from app.core.timeutil import datetime_id, now_wib
from app.extensions import db
from app.models import (AuditEntry, AuditPersonalValue, Category, Complaint, DeadlineTier,
                        Dusun, Holiday, Officer, ResidentRequest, ResponseTemplate, Setting,
                        Village)

CREATE, UPDATE, DELETE = "create", "update", "delete"
ACTIONS = {
    CREATE: _l("Created"),
    UPDATE: _l("Changed"),
    DELETE: _l("Deleted"),
    "anonymise": _l("Anonymised"),
    "retention": _l("Retention run"),
    "request": _l("Resident request"),
    "choose_village": _l("Village chosen to work in"),
}
# Rows not about one audited table (a retention run).
OTHER_ENTITIES = {"retention": _l("Retention run"), "village": _l("Village")}

# The audited tables: entity name -> (model, its label).
ENTITIES = {
    "complaint": (Complaint, _l("Complaint")),
    "officer": (Officer, _l("Officer")),
    "user": (User, _l("Login")),
    "role": (Role, _l("Role")),
    "category": (Category, _l("Category")),
    "dusun": (Dusun, _l("Dusun")),
    "deadline_tier": (DeadlineTier, _l("Deadline tier")),
    "holiday": (Holiday, _l("Holiday")),
    "response_template": (ResponseTemplate, _l("Response template")),
    "setting": (Setting, _l("Setting")),
    "village": (Village, _l("Village")),
    "resident_request": (ResidentRequest, _l("Resident request")),
}
_ENTITY_OF = {model: name for name, (model, _label) in ENTITIES.items()}

# Columns whose change is bookkeeping, not a change of the data.
_SKIPPED = {
    "complaint": {"changed_at", "changed_by_id", "changed_by", "version", "created_at",
                  "created_by_id", "created_by", "events", "submission_token",
                  "anonymised_at"},
    "user": {"last_login", "login_count", "fail_login_count", "changed_on", "created_on",
             "changed_by_fk", "created_by_fk", "changed_by", "created_by"},
    "role": {"user"},
}
# Recorded as changed, never with their values.
_SECRET = {("user", "password")}

# The complainant's identity and the resident's own words: their values are erasable.
PERSONAL_FIELDS = access.IDENTITY_COLUMNS + ("description",)

PASSWORD_CHANGED = "(changed)"


def actor():
    """The logged-in user of this request, or None (the CLI, a scheduled job, a resident)."""
    return access.current_user() if has_request_context() else None


def _village_of(obj):
    """The village an audit line is about: the changed row's own (a complaint, an officer, a
    category...), else the village of the context; none for installation-wide work without
    one."""
    own = getattr(obj, "village_id", None)
    if own is not None:
        return own
    try:
        return villages.current_village().id
    except villages.VillageNotChosen:
        return None


def _actor_name(session, user):
    if user is None:
        return gettext("System")
    with session.no_autoflush:
        return (actor_name(user) or user.username)[:120]


def actor_name_of(user):
    """How the log names ``user`` (the system when None)."""
    return _actor_name(db.session, user)


def as_text(value):
    """How a value is written in the log: dates in ISO, yes/no, a related row by its name."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return ", ".join(sorted(as_text(item) for item in value))
    return str(value)


def _label(obj):
    try:
        return str(obj)[:200]
    except Exception:  # noqa: BLE001 - a half-built row may not print; the id still names it
        return None


def _entry(session, user, entity, obj, action, field=None, old=None, new=None, at=None):
    """Add one audit row (and its personal values) to ``session``."""
    personal = entity == "complaint" and field in PERSONAL_FIELDS
    complaint_id = obj.id if entity == "complaint" else None  # (a setting is named by its key)
    entry = AuditEntry(
        occurred_at=at or now_wib(), actor_id=getattr(user, "id", None),
        actor_name=_actor_name(session, user), entity=entity, entity_id=getattr(obj, "id", None),
        entity_label=_label(obj), complaint_id=complaint_id, action=action, field=field,
        old_value=None if personal else old, new_value=None if personal else new,
        personal=personal, village_id=_village_of(obj))
    if personal:
        entry.personal_value = AuditPersonalValue(complaint_id=complaint_id, old_value=old,
                                                  new_value=new)
    session.add(entry)
    return entry


def _related_text(session, prop, committed):
    """The text of a many-to-one's committed value (the row it pointed to before the change)."""
    fk = list(prop.local_columns)[0].key
    old_id = committed.get(fk)
    if old_id is None:
        return None
    with session.no_autoflush:
        return as_text(session.get(prop.mapper.class_, old_id))


def _changes(session, entity, obj):
    """``(field, old, new)`` for each changed attribute of ``obj``."""
    state = inspect(obj)
    mapper = state.mapper
    skipped = _SKIPPED.get(entity, set())
    relation_columns = {}
    for prop in mapper.relationships:
        if prop.direction.name == "MANYTOONE":
            for column in prop.local_columns:
                relation_columns[column.key] = prop
    changed_relations = set()
    rows = []
    for attr in mapper.attrs:
        key = attr.key
        if key in skipped:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if isinstance(attr, RelationshipProperty):
            if attr.uselist:
                removed = [item for item in history.deleted]
                added = [item for item in history.added]
                if removed or added:
                    rows.append((key, as_text(removed) or None, as_text(added) or None))
                continue
            old = (as_text(history.deleted[0]) if history.deleted and history.deleted[0]
                   is not None else _related_text(session, attr, state.committed_state
                                                  | _unchanged_columns(state, attr)))
            new = as_text(history.added[0]) if history.added else None
            if old != new:
                rows.append((key, old, new))
            changed_relations.add(key)
            continue
        if key in relation_columns:
            prop = relation_columns[key]
            if prop.key in changed_relations or state.attrs[prop.key].history.has_changes():
                continue  # recorded through the relationship, by name
            with session.no_autoflush:
                old = as_text(session.get(prop.mapper.class_, history.deleted[0])) \
                    if history.deleted and history.deleted[0] is not None else None
                new = as_text(session.get(prop.mapper.class_, history.added[0])) \
                    if history.added and history.added[0] is not None else None
            rows.append((prop.key, old, new))
            continue
        old = as_text(history.deleted[0]) if history.deleted else None
        new = as_text(history.added[0]) if history.added else None
        if (entity, key) in _SECRET:
            old, new = None, PASSWORD_CHANGED
        # An empty field saved as "" where it was NULL (or back) is no change to anyone reading.
        if (old or "") != (new or "") or (entity, key) in _SECRET:
            rows.append((key, old, new))
    return rows


def _unchanged_columns(state, prop):
    """The foreign-key columns of ``prop`` with their loaded (not yet changed) values."""
    values = {}
    for column in prop.local_columns:
        history = state.attrs[column.key].history if column.key in state.attrs else None
        if history is not None and history.unchanged:
            values[column.key] = history.unchanged[0]
        elif history is not None and history.deleted:
            values[column.key] = history.deleted[0]
    return values


def _summary(entity, obj):
    """What a new or deleted row held (not for complaints: the register line is the record)."""
    if entity == "complaint":
        return None
    state = inspect(obj)
    values = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SKIPPED.get(entity, set()) or (entity, key) in _SECRET or key == "id":
            continue
        value = as_text(getattr(obj, key))
        if value is not None:
            values[key] = value
    for prop in state.mapper.relationships:
        if prop.uselist and prop.key not in _SKIPPED.get(entity, set()) | {"permissions"}:
            value = as_text(list(getattr(obj, prop.key)))
            if value:
                values[prop.key] = value
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def _record_flush(session, flush_context, instances):
    """``before_flush``: one audit row per changed field of every audited row in the flush."""
    session.info["audit_created"] = []
    pending = []
    for obj in list(session.new):
        entity = _ENTITY_OF.get(type(obj))
        if entity:
            pending.append((CREATE, entity, obj))
    for obj in list(session.dirty):
        entity = _ENTITY_OF.get(type(obj))
        if entity and session.is_modified(obj, include_collections=True):
            pending.append((UPDATE, entity, obj))
    for obj in list(session.deleted):
        entity = _ENTITY_OF.get(type(obj))
        if entity:
            pending.append((DELETE, entity, obj))
    if not pending:
        return
    # A service names its user (``services.touch``): outside a request (the CLI, an import,
    # a scheduled job) that is the only way to know who acted.
    user = session.info.get("audit_actor") or actor()
    for action, entity, obj in pending:
        if action == UPDATE:
            # A service may name its change (an anonymisation) for the log.
            action_name = session.info.get("audit_action", UPDATE)
            for field, old, new in _changes(session, entity, obj):
                _entry(session, user, entity, obj, action_name, field, old, new)
        elif action == CREATE:
            session.info["audit_created"].append((user, entity, obj))
        else:
            _entry(session, user, entity, obj, DELETE, old=_summary(entity, obj))


def _record_created(session, flush_context):
    """``after_flush_postexec``: the creation rows, now that the new rows have their ids."""
    # Created rows get their id in the flush: their audit rows are written after it (and
    # flushed by the same commit, which flushes until nothing is left).
    for user, entity, obj in session.info.pop("audit_created", []):
        _entry(session, user, entity, obj, CREATE, new=_summary(entity, obj))


def _forget_actor(session, *args):
    """``after_commit`` / ``after_rollback``: the named user acted in that transaction only."""
    for key in ("audit_actor", "audit_created", "audit_action"):
        session.info.pop(key, None)


def acting(user):
    """Name ``user`` as the one making this transaction's changes (the services call this)."""
    if user is not None and getattr(user, "is_authenticated", False):
        db.session.info["audit_actor"] = user


def current_actor():
    """The user this transaction's changes are made by (``acting``), or None."""
    return db.session.info.get("audit_actor")


def init_app(app):
    """Record every change of the audited tables, on whatever path it comes."""
    for name, listener in (("before_flush", _record_flush),
                           ("after_flush_postexec", _record_created),
                           ("after_commit", _forget_actor), ("after_rollback", _forget_actor)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


# --- Reading the log ---------------------------------------------------------------------------

def _display(value):
    if value in ("yes", "no"):
        return gettext("Yes") if value == "yes" else gettext("No")
    return value


def erased_text():
    """What stands in place of a personal value that retention or erasure removed."""
    return gettext("(erased)")


def personal_value_visible(user, entry):
    """Whether ``user`` may read the personal values of ``entry``: the complainant's identity
    by ``access.identity_visible``, the resident's words by ``access.can_view``."""
    complaint = entry.complaint
    if complaint is None:
        return False
    if entry.field in access.IDENTITY_COLUMNS:
        return access.identity_visible(user, complaint)
    return access.can_view(user, complaint)


def shown(user, entry):
    """The old and new value of ``entry`` as ``user`` may read them."""
    if not entry.personal:
        return _display(entry.old_value), _display(entry.new_value)
    if entry.personal_value is None:
        return erased_text(), erased_text()
    if not personal_value_visible(user, entry):
        hidden = access.hidden_identity_text()
        return hidden, hidden
    return entry.personal_value.old_value, entry.personal_value.new_value


def entity_label(entity):
    if entity in ENTITIES:
        return str(ENTITIES[entity][1])
    return str(OTHER_ENTITIES.get(entity, entity))


def action_label(action):
    return str(ACTIONS.get(action, action))


CSV_HEADERS = (_l("Time"), _l("User"), _l("Data"), _l("Record"), _l("Action"), _l("Field"),
               _l("Old value"), _l("New value"))


def csv_text(entries, user):
    """The entries as CSV for an inspector, personal values as ``user`` may read them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(header) for header in CSV_HEADERS])
    for entry in entries:
        old, new = shown(user, entry)
        writer.writerow([datetime_id(entry.occurred_at), entry.actor_name,
                         entity_label(entry.entity), entry.entity_label or "",
                         action_label(entry.action), entry.field or "", old or "", new or ""])
    return out.getvalue()
