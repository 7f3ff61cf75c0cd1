"""Evidence: photos and PDF documents on complaints and meetings, handled safely.

The rules, in one place for the public form, the public API, the desk's and officers' screens
and the meetings:

* the type is read from the content, never from the name: JPEG, PNG, WebP (and HEIC when the
  installed Pillow can read it) or PDF; anything else is refused with a message naming the file;
* an image is decoded and written again as a JPEG: its EXIF (a phone photo carries the
  resident's GPS position and device) is not carried over, its orientation is applied, its
  long side is at most ``MAX_SIDE`` pixels, and a thumbnail is made; an image declaring more
  than ``ATTACHMENT_MAX_PIXELS`` is refused before it is decoded (a decompression bomb);
* a PDF is kept as sent and only ever served as a download;
* limits per file (as sent), per request and per complaint;
* a complaint and its files are saved together or not at all (``saved_together``): the files
  are written first, the rows in the caller's transaction; a failed write or a failed commit
  removes the files written and registers nothing;
* nothing is deleted by a user: a wrong file is withdrawn with a reason (hidden, kept, and on
  the timeline).

Who may read a file is ``app.auth.access.can_read_attachment`` (staff) and
``access.resident_may_read`` (the resident, after the tracking code and phone digits).
"""

import contextlib
import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from app.auth import access
from app.auth.identity import actor_name
from app.auth.security import actors_of
from app.core import workflow
from app.core.errors import ServiceError
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Attachment, Meeting
from app.models.evidence import IMAGE, PDF
from app.services import meetings, storage
from app.services.complaints import add_event, choose_public_photo

MAX_SIDE = 2000  # the long side of a kept image, in pixels: sharp on any phone or print
THUMB_SIDE = 320  # a thumbnail's long side: two to a row on a 360 px phone
JPEG_QUALITY = 85
# What Pillow may open: never a format chosen by the file's name or by Pillow's guessing
# among all it knows (EPS, PSD and others have had decoder flaws).
_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
_NAME_JUNK = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


class FileRefused(ServiceError):
    """A file that is not accepted; the message names it."""


class StorageFailed(ServiceError):
    """The files could not be written: nothing was saved."""

    code = 503


@dataclass
class Prepared:
    """A file that passed the checks, ready to be stored: what will be kept, not what was sent."""

    original_name: str
    kind: str
    content_type: str
    extension: str
    data: bytes
    thumbnail: bytes | None
    sha256: str
    size: int | None = None  # given when the bytes are already stored (an email's file)

    def __post_init__(self):
        if self.size is None:
            self.size = len(self.data)


@dataclass
class Staged:
    prepared: Prepared
    key: str
    thumbnail_key: str | None


def image_formats():
    """The image formats accepted: JPEG, PNG, WebP, and HEIF when a plugin lets Pillow read it."""
    Image.init()
    return _IMAGE_FORMATS + (("HEIF",) if "HEIF" in Image.OPEN else ())


def clean_name(name):
    """The file name as shown: no folders, no control or reserved characters, at most 120."""
    name = re.split(r"[\\/]", str(name or ""))[-1]
    name = _NAME_JUNK.sub("", name).strip().strip(".")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:8]) if dot and len(ext) <= 8 else name[:120]
    return name or gettext("file")


def _limit_mb(limit):
    return f"{limit / (1024 * 1024):g}"


def read_uploads(files, existing=0):
    """``[(name, bytes)]`` of the chosen files among ``files`` (werkzeug ``FileStorage``s; an
    empty input is skipped), refused when there are too many or one is larger than
    ``ATTACHMENT_MAX_BYTES`` as sent. ``existing``: files the complaint already holds."""
    config = current_app.config
    limit = config["ATTACHMENT_MAX_BYTES"]
    chosen = [f for f in files or () if f is not None and (f.filename or "").strip()]
    if len(chosen) > config["ATTACHMENT_MAX_PER_REQUEST"]:
        raise FileRefused(gettext("At most %(count)d files can be sent at once.",
                                  count=config["ATTACHMENT_MAX_PER_REQUEST"]))
    check_room(existing, len(chosen))
    uploads = []
    for item in chosen:
        name = clean_name(item.filename)
        data = item.stream.read(limit + 1)
        check_size(name, data)
        uploads.append((name, data))
    return uploads


def check_size(name, data):
    """Refuse a file larger than ``ATTACHMENT_MAX_BYTES`` as sent."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if len(data) > limit:
        raise FileRefused(gettext("%(name)s is larger than %(limit)s MB; choose a smaller "
                                  "file.", name=name, limit=_limit_mb(limit)))


def check_room(existing, adding):
    """Refuse more files than a complaint may hold (``ATTACHMENT_MAX_PER_COMPLAINT``)."""
    most = current_app.config["ATTACHMENT_MAX_PER_COMPLAINT"]
    if adding and existing + adding > most:
        raise FileRefused(gettext("A complaint holds at most %(count)d files; it has "
                                  "%(existing)d.", count=most, existing=existing))


def prepare(name, data):
    """Check one file and make what will be kept of it (``Prepared``), or refuse it."""
    name = clean_name(name)
    if not data:
        raise FileRefused(gettext("%(name)s is empty.", name=name))
    if data.startswith(b"%PDF-"):
        return Prepared(name, PDF, "application/pdf", "pdf", data, None,
                        hashlib.sha256(data).hexdigest())
    return _prepare_image(name, data)


def _refuse_type(name):
    raise FileRefused(gettext(
        "%(name)s is not accepted: send a photo (JPEG, PNG or WebP) or a PDF document.",
        name=name))


def _prepare_image(name, data):
    max_pixels = current_app.config["ATTACHMENT_MAX_PIXELS"]
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check warns below twice its limit: ours refuses first.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=image_formats())
            width, height = image.size
            if width * height > max_pixels:
                raise FileRefused(gettext(
                    "%(name)s is refused: the image declares %(width)d x %(height)d pixels, more "
                    "than a photo has (at most %(limit)s million).", name=name, width=width,
                    height=height, limit=f"{max_pixels / 1_000_000:g}"))
            if image.format == "JPEG":
                # Decode at a reduced scale (1/2, 1/4, 1/8) when the photo is at least that
                # much larger than kept: less memory and time for the same result. The box
                # keeps the photo's proportions, else the short side would forbid scaling.
                ratio = MAX_SIDE / max(width, height)
                image.draft("RGB", (int(width * ratio), int(height * ratio)))
            image = ImageOps.exif_transpose(image)
            icc = image.info.get("icc_profile")
            image = _flatten(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            kept = _jpeg(image, JPEG_QUALITY, icc)
            image.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
            thumbnail = _jpeg(image, 75, icc)
    except UnidentifiedImageError:
        _refuse_type(name)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused(gettext(
            "%(name)s is refused: the image declares more pixels than a photo has.",
            name=name)) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise FileRefused(gettext("%(name)s could not be read as an image; it may be damaged.",
                                  name=name)) from None
    return Prepared(name, IMAGE, "image/jpeg", "jpg", kept, thumbnail,
                    hashlib.sha256(kept).hexdigest())


def _flatten(image):
    """An RGB copy of ``image``; transparency becomes white (a JPEG has none)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P"
                                               and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    flat = image.convert("RGB")
    flat.info = {}  # nothing of the original's metadata (EXIF, XMP, comments) goes on
    return flat


def _jpeg(image, quality, icc):
    out = io.BytesIO()
    options = {"icc_profile": icc} if icc else {}
    image.save(out, "JPEG", quality=quality, optimize=True, **options)
    return out.getvalue()


def prepare_all(uploads):
    """``prepare`` every ``(name, bytes)``; the first refusal stops them all."""
    return [prepare(name, data) for name, data in uploads]


# --- Storing: the files and their rows together or not at all ---------------------------------

def _storage_failed():
    return StorageFailed(gettext(
        "The files could not be saved (the storage is full or not reachable). Nothing was "
        "saved; please try again later, or bring the files to the village office."))


def stage(prepared):
    """Write the files of ``prepared`` to the storage; on a failure remove those written."""
    store = storage.storage()
    staged = []
    try:
        for item in prepared:
            entry = Staged(item, storage.new_key(item.extension), None)
            staged.append(entry)
            store.put(entry.key, item.data)
            if item.thumbnail is not None:
                entry.thumbnail_key = entry.key + "-thumb.jpg"
                store.put(entry.thumbnail_key, item.thumbnail)
    except storage.StorageError:
        current_app.logger.exception("Evidence files could not be written")
        discard(staged)
        raise _storage_failed() from None
    return staged


def discard(staged):
    """Remove staged files (best effort: a file that cannot be removed is only logged)."""
    store = storage.storage()
    for entry in staged:
        for key in (entry.key, entry.thumbnail_key):
            if key:
                try:
                    store.delete(key)
                except storage.StorageError:
                    current_app.logger.exception("Evidence file %s could not be removed", key)


@contextlib.contextmanager
def saved_together(prepared):
    """Write the files, then let the caller add the rows and commit inside the block.

    Whatever fails inside (a refusal, the database, the commit) rolls the session back and
    removes the files: a complaint and its files are saved together or not at all.
    """
    staged = stage(prepared) if prepared else []
    try:
        yield staged
    except BaseException:
        db.session.rollback()
        discard(staged)
        raise


def record(staged, user, complaint=None, meeting_id=None, resident=False, is_public=False,
           note=None, event=None, at=None):
    """Add the rows for ``staged`` files (and, on a complaint, the timeline line "who added
    what") to the session; the caller commits. ``at``: the time of a registration the files
    came with (the receipt lists those). Returns the rows."""
    now = at or now_wib()
    if complaint is not None and staged and event is None:
        names = ", ".join(entry.prepared.original_name for entry in staged)
        event = add_event(complaint, "attach", user, complaint.status, complaint.status,
                          note=(note or "").strip() or None, at=now,
                          data={"files": names, "resident": resident})
    rows = []
    for entry in staged:
        item = entry.prepared
        row = Attachment(
            complaint=complaint, event=event, meeting_id=meeting_id,
            storage_key=entry.key, thumbnail_key=entry.thumbnail_key,
            original_name=item.original_name, content_type=item.content_type,
            size=item.size, kind=item.kind, sha256=item.sha256,
            is_public=bool(is_public), uploaded_by_resident=resident,
            uploaded_by_id=None if resident or user is None else user.id,
            uploader_name=None if resident else actor_name(user), created_at=now)
        db.session.add(row)
        rows.append(row)
    return rows


def count_on(complaint):
    """How many files ``complaint`` holds (withdrawn ones too: they are kept)."""
    return db.session.scalar(select(func.count(Attachment.id))
                             .where(Attachment.complaint_id == complaint.id))


def attach(complaint, files, user, is_public=False, note=None):
    """Staff add files to ``complaint`` (the desk, or an officer on a complaint they handle),
    at any step; the timeline says who added what when. ``files``: werkzeug ``FileStorage``s.
    Only the desk marks a file public. Returns the new rows (committed)."""
    check_may_attach(complaint, user)
    prepared = prepare_all(read_uploads(files, count_on(complaint)))
    if not prepared:
        raise FileRefused(gettext("Choose at least one file."))
    public = bool(is_public) and workflow.DESK in actors_of(user)
    with saved_together(prepared) as staged:
        rows = record(staged, user, complaint, is_public=public, note=note)
        db.session.commit()
    return rows


def check_may_attach(complaint, user):
    """Refuse adding files to a void entry or a complaint ``user`` may not work on."""
    if not access.can_view(user, complaint):
        raise ServiceError(gettext("You may not work on this complaint."), code=403)
    if complaint.voided:
        raise ServiceError(gettext("This register entry is void."), code=409)


def withdraw(attachment, reason, user):
    """Withdraw a wrong file: hidden from everyone but the desk, kept, and on the timeline.

    The desk may withdraw any file it can see; an officer only a file they added."""
    reason = (reason or "").strip()
    if not (access.may_withdraw_attachment(user, attachment)
            and readable_by(user, attachment)):
        raise ServiceError(gettext("You may not withdraw this file."), code=403)
    if attachment.withdrawn:
        raise ServiceError(gettext("This file was already withdrawn."), code=409)
    if not reason:
        raise ServiceError(gettext("A reason is required to withdraw a file."))
    now = now_wib()
    attachment.withdrawn_at = now
    attachment.withdrawn_by_id = user.id
    attachment.withdraw_reason = reason
    complaint = attachment.complaint
    _off_the_public_list(attachment)
    if complaint is not None:
        add_event(complaint, "withdraw_attachment", user, complaint.status, complaint.status,
                  note=reason, at=now, data={"file": attachment.original_name,
                                             "attachment_id": attachment.id})
    db.session.commit()
    return attachment


def set_public(attachment, is_public, user):
    """The desk shows a file to the resident on the status page, or hides it again."""
    if workflow.DESK not in actors_of(user) or not readable_by(user, attachment):
        raise ServiceError(gettext("Only the complaint desk decides which files the "
                                   "resident sees."), code=403)
    attachment.is_public = bool(is_public)
    if not attachment.is_public:
        _off_the_public_list(attachment)
    db.session.commit()
    return attachment


def _off_the_public_list(attachment):
    """A photo hidden or withdrawn leaves the public list with it (and, as a change of its
    complaint, moves the statistics' data stamp, so the cached page drops it at once)."""
    complaint = attachment.complaint
    if complaint is not None and complaint.public_photo_id == attachment.id:
        complaint.public_photo_id = None


def set_public_photo(complaint, attachment_id, user):
    """The desk puts a photo after the work beside a published resolved problem on the
    "Sudah ditangani" list, or takes it off (``attachment_id`` None); committed."""
    if workflow.DESK not in actors_of(user) or not access.can_view(user, complaint):
        raise ServiceError(gettext("Only the complaint desk decides which files the "
                                   "public sees."), code=403)
    choose_public_photo(complaint, attachment_id)
    db.session.commit()
    return complaint


def attach_to_meeting(meeting, files, user):
    """The desk keeps the scanned signed berita acara and other papers with a meeting's
    minutes. Only who may record minutes (the desk) and read the meeting. Returns the rows."""
    if workflow.DESK not in actors_of(user) or not meeting_readable(user, meeting.id):
        raise ServiceError(gettext("You may not work on this meeting."), code=403)
    existing = db.session.scalar(select(func.count(Attachment.id))
                                 .where(Attachment.meeting_id == meeting.id))
    prepared = prepare_all(read_uploads(files, existing))
    if not prepared:
        raise FileRefused(gettext("Choose at least one file."))
    with saved_together(prepared) as staged:
        rows = record(staged, user, meeting_id=meeting.id)
        db.session.commit()
    return rows


def meeting_readable(user, meeting_id):
    """Whether ``user`` may read the meeting (``meetings.restrict_meetings``: withheld whole
    when it discusses a complaint the user may not see)."""
    return db.session.scalar(meetings.restrict_meetings(
        select(Meeting.id).where(Meeting.id == meeting_id), user)) is not None


def readable_by(user, attachment):
    """Whether staff ``user`` may open ``attachment``: ``access.can_read_attachment`` and,
    for a meeting's paper, the meeting's own rule."""
    if not access.can_read_attachment(user, attachment):
        return False
    return attachment.meeting_id is None or meeting_readable(user, attachment.meeting_id)


def on_meeting(meeting, user):
    """The papers of ``meeting`` ``user`` may open, oldest first."""
    rows = db.session.scalars(select(Attachment).where(
        Attachment.meeting_id == meeting.id, Attachment.complaint_id.is_(None))
        .order_by(Attachment.id))
    return [row for row in rows if readable_by(user, row)]


# --- Reading ---------------------------------------------------------------------------------

def on_complaint(complaint):
    """Every file of ``complaint``, oldest first (withdrawn ones too)."""
    return list(db.session.scalars(select(Attachment).where(
        Attachment.complaint_id == complaint.id).order_by(Attachment.id)))


def shown_to(user, complaint):
    """The files of ``complaint`` ``user`` may read (``access.can_read_attachment``)."""
    return [a for a in on_complaint(complaint) if access.can_read_attachment(user, a)]


def shown_to_resident(complaint):
    """The files the resident reads on the status page: public ones and their own."""
    return [a for a in on_complaint(complaint) if access.resident_may_read(a)]


def content(attachment, thumbnail=False):
    """The stored bytes of ``attachment`` (or its thumbnail); None when there are none (no
    thumbnail, or erased with the complaint's personal data)."""
    key = attachment.thumbnail_key if thumbnail else attachment.storage_key
    if key is None or attachment.erased:
        return None
    return storage.storage().get(key)
