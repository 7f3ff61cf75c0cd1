"""Duplicates: ten residents reporting the same broken bridge are one problem, handled once.

The desk sees possible duplicates when it registers or verifies a complaint
(``candidates``), links a complaint to a main one ("duplikat dari", ``link``) and can
undo the link with a reason (``unlink``). A linked complaint follows its main one:
the main one's steps carry it along (``app.services.complaints.carry_duplicates``),
and each complainant is still informed on their own complaint, through their own
channel and under their own identity rules.

The similarity of subjects is a plain comparison of normalised Indonesian words
(no outside service): lower case, no accents or punctuation, no common words, no
"-nya"/"-lah"/"-kah" endings, then the share of words two subjects have in common.
"""

import datetime as dt
import re
import unicodedata

from flask_babel import gettext

from app.auth import access
from app.core import workflow
from app.core.errors import ServiceError
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint
from app.services import complaints as services

# Open complaints of this many days back are offered for the same place and category or a
# similar subject; the same resident's open complaints are offered whatever their age.
WINDOW_DAYS = 60

# Two subjects sharing at least this share of their words (Jaccard) are "similar".
SIMILAR = 0.5

# Words that say nothing about which problem it is.
STOPWORDS = frozenset("""
    yang dan di ke dari ini itu untuk dengan pada ada tidak tak belum sudah sejak karena atau
    juga akan oleh sebagai dalam kami saya kita mohon tolong pak bu ibu bapak desa babakan
    rt rw sangat sekali lagi masih mau minta warga tentang soal the
""".split())

_SUFFIX = re.compile(r"(nya|lah|kah)$")

# Why a complaint is offered (the screen's and the API's reasons).
SAME_RESIDENT = "same_resident"
SAME_PLACE_CATEGORY = "same_place_category"
SIMILAR_SUBJECT = "similar_subject"
REASONS = (SAME_RESIDENT, SAME_PLACE_CATEGORY, SIMILAR_SUBJECT)


def words(text):
    """The normalised words of ``text`` that can tell one problem from another."""
    plain = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    result = set()
    for word in re.findall(r"[a-z0-9]+", plain):
        if len(word) > 5:
            word = _SUFFIX.sub("", word)
        if len(word) >= 3 and word not in STOPWORDS:
            result.add(word)
    return result


def similarity(first, second):
    """The share of words two subjects have in common (0 to 1)."""
    a, b = words(first), words(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _offerable(user, exclude_id):
    """Open, not void, not itself a duplicate, and readable by ``user``: a confidential
    complaint is never offered to anyone who may not open it (``access.restrict``)."""
    query = access.restrict(db.session.query(Complaint), user).filter(
        Complaint.voided.is_(False), Complaint.status.in_(workflow.OPEN_STATUSES),
        Complaint.duplicate_of_id.is_(None))
    if exclude_id is not None:
        query = query.filter(Complaint.id != exclude_id)
    return query


def candidates(user, subject, dusun_id=None, category_id=None, phone=None, exclude_id=None,
               today=None, limit=20):
    """Possible duplicates of a complaint with these data, best first: [(complaint, reasons)].

    Open complaints received in the last ``WINDOW_DAYS`` days in the same dusun and
    category, or with a similar subject; and the same resident's (phone) open complaints,
    always. Only complaints ``user`` may open; the same phone only where ``user`` may read
    the identity (the reason would tell it otherwise).
    """
    today = today or now_wib().date()
    since = dt.datetime.combine(today - dt.timedelta(days=WINDOW_DAYS), dt.time())
    found = {}
    recent = _offerable(user, exclude_id).filter(Complaint.received_at >= since)
    for other in recent.order_by(Complaint.received_at.desc()).limit(1000):
        reasons = []
        if dusun_id and category_id and other.dusun_id == int(dusun_id) \
                and other.category_id == int(category_id):
            reasons.append(SAME_PLACE_CATEGORY)
        if similarity(subject, other.subject) >= SIMILAR:
            reasons.append(SIMILAR_SUBJECT)
        if reasons:
            found[other.id] = (other, reasons)
    if phone:
        for other in _offerable(user, exclude_id).filter(Complaint.complainant_phone == phone):
            if other.without_identity or not access.identity_visible(user, other):
                continue
            entry = found.setdefault(other.id, (other, []))
            entry[1].insert(0, SAME_RESIDENT)
    ranked = sorted(found.values(), key=lambda pair: (
        SAME_RESIDENT not in pair[1], -len(pair[1]), -similarity(subject, pair[0].subject),
        -pair[0].id))
    return ranked[:limit]


def candidates_of(complaint, user, today=None):
    """Possible duplicates of a registered complaint (none for a linked or closed one)."""
    if complaint.duplicate_of_id is not None or complaint.voided \
            or complaint.status not in workflow.OPEN_STATUSES:
        return []
    return candidates(user, complaint.subject, complaint.dusun_id, complaint.category_id,
                      None if complaint.without_identity else complaint.complainant_phone,
                      exclude_id=complaint.id, today=today)


def _refuse(message, code=400, field=None):
    raise ServiceError(message, code, field)


def link(duplicate, main, user, note=None, expected_version=None):
    """Link ``duplicate`` to ``main`` ("duplikat dari") and commit; everything or nothing.

    Both must be open, not void, readable by ``user``, and distinct; the main one is not
    itself a duplicate and the duplicate has none of its own. The duplicate takes the main
    one's status, deadlines and officer at once (``services.follow_main``); a timeline line
    on both says so. The resident's public line says only "handled together with other
    complaints", never which.
    """
    if main is None or not access.can_view(user, main):
        _refuse(gettext("Choose the main complaint from the offered ones."), 404, "main_id")
    if not access.can_view(user, duplicate):
        _refuse(gettext("You may not work on this complaint."), 403)
    services.check_editable(duplicate, expected_version)
    if main.id == duplicate.id:
        _refuse(gettext("A complaint cannot be a duplicate of itself."), field="main_id")
    if duplicate.duplicate_of_id is not None:
        _refuse(gettext("This complaint is already linked to a main complaint; unlink it "
                        "first."), 409)
    if main.duplicate_of_id is not None:
        _refuse(gettext("The chosen complaint is itself a duplicate of %(number)s: link to "
                        "that one.", number=main.duplicate_of.register_number),
                field="main_id")
    if duplicate.duplicates:
        _refuse(gettext("Other complaints are linked to this one as duplicates: it can only "
                        "be a main complaint."), 409)
    for complaint in (main, duplicate):
        if complaint.voided or complaint.status not in workflow.OPEN_STATUSES:
            _refuse(gettext("Only open complaints can be linked (%(number)s is closed or "
                            "void).", number=complaint.register_number), 409)
    note = (note or "").strip() or None
    source = duplicate.status
    duplicate.duplicate_of = main
    services.follow_main(duplicate, main)
    services.touch(duplicate, user)
    services.add_event(duplicate, "duplicate_link", user, source, duplicate.status, note=note,
                       is_public=True, data={"main": main.register_number})
    services.add_event(main, "duplicate_link", user, main.status, main.status, note=note,
                       data={"duplicate": duplicate.register_number})
    db.session.commit()
    return duplicate


def unlink(duplicate, reason, user, expected_version=None):
    """Undo the link with a reason (required) and commit; the complaint goes on on its own,
    in the status it has now, and both timelines record it."""
    reason = (reason or "").strip()
    if not reason:
        _refuse(gettext("A reason is required to unlink a duplicate."), field="reason")
    if not access.can_view(user, duplicate):
        _refuse(gettext("You may not work on this complaint."), 403)
    services.check_editable(duplicate, expected_version)
    main = duplicate.duplicate_of
    if main is None:
        _refuse(gettext("This complaint is not linked to a main complaint."), 409)
    duplicate.duplicate_of = None
    services.touch(duplicate, user)
    services.add_event(duplicate, "duplicate_unlink", user, duplicate.status, duplicate.status,
                       note=reason, is_public=True, data={"main": main.register_number})
    services.add_event(main, "duplicate_unlink", user, main.status, main.status, note=reason,
                       data={"duplicate": duplicate.register_number})
    db.session.commit()
    return duplicate


def reason_labels():
    """The reasons as the user reads them."""
    return {
        SAME_RESIDENT: gettext("Same resident (phone)"),
        SAME_PLACE_CATEGORY: gettext("Same dusun and category"),
        SIMILAR_SUBJECT: gettext("Similar subject"),
    }
