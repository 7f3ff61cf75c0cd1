"""Every step of the workflow is complete in every layer, and nothing exists for a step that
is not in the workflow: labels (``workflow.Step``), its effect (``app.services.step_effects``), its
form or page (``step_forms.FORMS``, ``views.complaint_steps.STEP_PAGES``), its API documentation
and the field names a refusal reads."""

import pytest
from apispec import yaml_utils
from babel.messages.pofile import read_po

from app.core import vocabularies, workflow
from app.services import step_effects
from app.web import step_forms
from app.web.api import ComplaintApi
from app.web.views.complaint_steps import STEP_PAGES
from tests.test_translations import PO

STEPS = list(workflow.STEPS.values())
STAFF_STEPS = [s for s in STEPS if s.actors & {workflow.DESK, workflow.LIAISON}]
RESIDENT_ONLY = [s for s in STEPS if s.actors == {workflow.RESIDENT}]


@pytest.fixture(scope="module")
def catalogue():
    with open(PO, "rb") as f:
        return read_po(f)


def _translated(catalogue, message_id):
    message = catalogue.get(message_id)
    return message is not None and bool(message.string)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_every_step_has_a_translated_label_and_an_effect(app, catalogue, step):
    assert step.label and _translated(catalogue, step.label)
    assert step_effects.effect_of(step.name) is not None
    assert step.note_audience in workflow.AUDIENCES + (workflow.CHOSEN,)


@pytest.mark.parametrize("step", STAFF_STEPS, ids=lambda s: s.name)
def test_a_staff_step_has_a_button_a_form_and_its_fields_labelled(app, catalogue, step):
    assert step.action and _translated(catalogue, step.action)
    assert step.name in step_forms.FORMS or step.name in STEP_PAGES
    form = step_forms.FORMS.get(step.name)
    if form is not None:  # the form asks for every field the step requires
        names = {name for name in dir(form) if not name.startswith("_")}
        assert set(step.required) <= names
    for field in step.required:
        assert _translated(catalogue, workflow.FIELD_LABELS[field]), field


@pytest.mark.parametrize("step", RESIDENT_ONLY, ids=lambda s: s.name)
def test_a_step_only_the_resident_takes_has_no_staff_button_or_form(step):
    assert step.action is None
    assert step.name not in step_forms.FORMS and step.name not in STEP_PAGES


def test_nothing_exists_for_a_step_outside_the_workflow(app):
    names = set(workflow.STEPS)
    assert set(step_effects.registered()) == names
    assert set(step_forms.FORMS) <= names
    assert set(STEP_PAGES) <= names
    assert set(vocabularies.STEP_ACTIONS) == {s.name for s in STEPS if s.action}
    # The timeline's labels: the steps, plus the events that are not steps.
    assert set(vocabularies.STEPS) - names == {"register", "void", "import", "identity_level",
                                                  "attach", "withdraw_attachment",
                                                  "reassign", "anonymise",
                                                  "duplicate_link", "duplicate_unlink",
                                                  "email_message"}
    with pytest.raises(workflow.UnknownStep):
        step_effects.step_effect("not_a_step")


def test_the_api_documents_every_staff_step_with_its_fields():
    operation = yaml_utils.load_operations_from_docstring(ComplaintApi.step.__doc__)["post"]
    step_parameter = [p for p in operation["parameters"] if p["name"] == "step"][0]
    assert step_parameter["schema"]["enum"] == [s.name for s in STAFF_STEPS]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    for step in STAFF_STEPS:
        assert f"{step.name} ({step.action})" in operation["description"]
        assert set(step.fields) <= set(body["properties"])


def test_the_openapi_document_has_the_generated_step_operation(app, client, login_as):
    """The served document (FAB reads the endpoint's docstring) lists the same steps."""
    login_as("admin")
    spec = client.get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    operation = paths["/api/v1/complaint/{pk}/steps/{step}"]["post"]
    step_parameter = [p for p in operation["parameters"] if p["name"] == "step"][0]
    assert step_parameter["schema"]["enum"] == [s.name for s in STAFF_STEPS]
