"""The SOP's state table, tested without Flask or a database."""

import datetime as dt

import pytest

from app.core import workflow as wf
from app.core.timeutil import add_working_days

DESK, LIAISON, HEAD, RESIDENT = {wf.DESK}, {wf.LIAISON}, {wf.HEAD}, {wf.RESIDENT}

# (status, actors) -> exactly the steps open, in SOP order.
TABLE = [
    (wf.RECEIVED, DESK, ["verify", "request_completion", "note", "reject", "refer",
                         "extend_deadline"]),
    (wf.NEEDS_COMPLETION, DESK, ["verify", "request_completion", "note", "reject", "complete",
                                 "extend_deadline"]),
    (wf.VERIFIED, DESK, ["forward", "note", "schedule_meeting", "resolve", "reject", "refer",
                         "extend_deadline"]),
    (wf.FORWARDED, DESK, ["forward", "note", "schedule_meeting", "resolve", "refer",
                          "extend_deadline"]),
    (wf.IN_REVIEW, DESK, ["note", "resolve", "refer", "extend_deadline"]),
    (wf.RESOLVED, DESK, ["inform"]),
    (wf.REJECTED, DESK, ["inform"]),
    (wf.REFERRED, DESK, ["inform"]),
    (wf.INFORMED, DESK, []),
    (wf.REOPEN_REQUESTED, DESK, ["reopen", "keep_closed"]),
    (wf.REOPEN_REQUESTED, LIAISON, []),
    (wf.INFORMED, RESIDENT, ["confirm_solved", "request_reopen"]),
    (wf.NEEDS_COMPLETION, RESIDENT, ["complete"]),
    (wf.FORWARDED, RESIDENT, []),
    (wf.RECEIVED, LIAISON, ["note", "refer"]),
    (wf.FORWARDED, LIAISON, ["note", "resolve", "refer"]),
    (wf.IN_REVIEW, LIAISON, ["note", "resolve", "refer"]),
    (wf.RESOLVED, LIAISON, []),
    (wf.FORWARDED, HEAD, []),
    (wf.RECEIVED, set(), []),
]


@pytest.mark.parametrize("status, actors, steps", TABLE)
def test_steps_open_per_status_and_role(status, actors, steps):
    assert wf.allowed_steps(status, actors) == steps


def test_every_status_is_reachable_from_received():
    reached, frontier = {wf.RECEIVED}, [wf.RECEIVED]
    while frontier:
        status = frontier.pop()
        for name in wf.allowed_steps(status, {wf.DESK, wf.LIAISON, wf.RESIDENT}):
            target = wf.STEPS[name].target or status
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(wf.STATUSES)


def test_informed_is_the_end_for_the_staff():
    """Only the resident's answer (within the feedback window) can lead on from informed."""
    assert wf.allowed_steps(wf.INFORMED, {wf.DESK, wf.LIAISON, wf.HEAD}) == []


def test_a_reopen_request_goes_back_to_the_officer_or_stays_closed():
    assert wf.check_step("request_reopen", wf.INFORMED, RESIDENT, {}) == wf.REOPEN_REQUESTED
    assert wf.check_step("reopen", wf.REOPEN_REQUESTED, DESK,
                         {"public_note": "Ditinjau ulang"}) == wf.FORWARDED
    assert wf.check_step("keep_closed", wf.REOPEN_REQUESTED, DESK,
                         {"reason": "Sudah sesuai"}) == wf.INFORMED
    with pytest.raises(wf.MissingFields):
        wf.check_step("keep_closed", wf.REOPEN_REQUESTED, DESK, {"reason": ""})
    with pytest.raises(wf.StepForbidden):
        wf.check_step("reopen", wf.REOPEN_REQUESTED, LIAISON, {"public_note": "x"})
    with pytest.raises(wf.StepForbidden):
        wf.check_step("request_reopen", wf.INFORMED, DESK, {})


def test_check_step_returns_the_next_status():
    fields = {"kind": "pengaduan", "category_id": 1, "urgency": "high"}
    assert wf.check_step("verify", wf.RECEIVED, DESK, fields) == wf.VERIFIED
    assert wf.check_step("note", wf.FORWARDED, LIAISON, {"note": "cek lokasi"}) == wf.FORWARDED


def test_refusals_name_the_first_thing_to_change():
    with pytest.raises(wf.UnknownStep):
        wf.check_step("approve", wf.RECEIVED, DESK, {})
    with pytest.raises(wf.StepForbidden) as forbidden:
        wf.check_step("verify", wf.VERIFIED, LIAISON, {})
    assert forbidden.value.code == 403
    with pytest.raises(wf.TransitionNotAllowed) as wrong_state:
        wf.check_step("inform", wf.FORWARDED, DESK, {"channel": "x", "message": "y"})
    assert wrong_state.value.code == 409
    with pytest.raises(wf.MissingFields) as missing:
        wf.check_step("resolve", wf.FORWARDED, DESK, {"outcome_type": "policy", "public_note": ""})
    assert missing.value.fields == ("outcome_text", "public_note")


@pytest.mark.parametrize("start, days, due", [
    (dt.date(2026, 11, 23), 3, dt.date(2026, 11, 26)),   # Monday -> Thursday
    (dt.date(2026, 11, 27), 3, dt.date(2026, 12, 2)),    # Friday: the weekend does not count
    (dt.date(2026, 11, 28), 1, dt.date(2026, 11, 30)),   # received on Saturday
    (dt.date(2026, 12, 23), 3, dt.date(2026, 12, 30)),   # over cuti bersama 24 and Christmas 25
    (dt.date(2026, 11, 23), 14, dt.date(2026, 12, 11)),
])
def test_working_days_skip_weekends_and_holidays(start, days, due):
    holidays = {dt.date(2026, 12, 24), dt.date(2026, 12, 25)}
    assert add_working_days(start, days, holidays) == due


def test_check_open_refuses_role_then_status_without_looking_at_fields():
    with pytest.raises(wf.UnknownStep):
        wf.check_open("approve", wf.RECEIVED, DESK)
    with pytest.raises(wf.StepForbidden):  # wrong role and wrong status: the role first
        wf.check_open("reject", wf.FORWARDED, LIAISON)
    with pytest.raises(wf.TransitionNotAllowed):
        wf.check_open("resolve", wf.RECEIVED, DESK)
    assert wf.check_open("resolve", wf.VERIFIED, DESK).name == "resolve"


def test_a_reopened_confidential_complaint_stays_with_the_desk():
    fields = {"public_note": "Ditinjau ulang"}
    assert wf.check_step("reopen", wf.REOPEN_REQUESTED, DESK, fields) == wf.FORWARDED
    assert wf.check_step("reopen", wf.REOPEN_REQUESTED, DESK, fields,
                         confidential=True) == wf.VERIFIED
    # Steps without a confidential target lead where they always do.
    assert wf.check_step("reject", wf.VERIFIED, DESK, {"reason": "x"},
                         confidential=True) == wf.REJECTED


@pytest.mark.parametrize("step, ticked, audience", [
    ("inform", False, "desk"), ("confirm_solved", False, "desk"),
    ("request_reopen", False, "desk"), ("complete", False, "desk"),
    ("resolve", True, "staff"), ("verify", False, "staff"), ("forward", False, "staff"),
    ("note", False, "staff"), ("note", True, "public"), ("reject", False, "public"),
    ("request_completion", False, "public"), ("reopen", False, "public"),
])
def test_each_step_declares_who_reads_its_note(step, ticked, audience):
    assert wf.note_audience(step, ticked) == audience
