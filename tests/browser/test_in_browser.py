"""The pages in a real browser (Debian's chromium through Playwright), against a live server.

These also take the screenshots in docs/screenshots/ that docs/user-guide.md shows.
"""
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from engine import deployments, instances
from engine.models import UserTask
from engine.uow import unit_of_work
from tests.browser.conftest import log_in, screenshot
from tests.conftest import EXAMPLES, MODELS

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent / "models"


@pytest.fixture
def database_url(sqlite_database_url):
    """SQLite only: the browser adds nothing the database would change, and it is slow enough."""
    return sqlite_database_url


def deploy(*paths):
    with unit_of_work() as uow:
        deployments.deploy(uow, [(Path(p).name, Path(p).read_bytes()) for p in paths], user="test")


def start(key, variables=None, business_key=None, user="admin"):
    with unit_of_work() as uow:
        return instances.start(uow, key, variables, business_key, user=user)


def at(path):
    """A wait_for_url test for exactly this path (a glob would also match /login?next=<path>)."""
    return lambda url: urlsplit(url).path == path


def open_task_id(instance_id):
    with unit_of_work() as uow:
        return uow.session.query(UserTask).filter_by(instance_id=instance_id, state="open").one().id


def variables_of(instance_id):
    with unit_of_work() as uow:
        return instances.get(uow, instance_id)


@pytest.fixture
def expense(people):
    deploy(HERE / "expense_claim.bpmn", HERE / "expense-approval-schema.json",
           HERE / "leave_request.bpmn", HERE / "leave-start-schema.json")


def test_log_in_with_the_keyboard_see_the_inbox_and_complete_a_json_schema_form(new_page, expense):
    claim = start("expense_claim", {"amount": 240, "employee": "Kim Lee"}, "EXP-1042")
    start("expense_claim", {"amount": 80, "employee": "Ali Ray"}, "EXP-1043")
    start("leave_request", {"employee": "Kim Lee", "days": 3}, "LEAVE-17")
    page = new_page()
    page.goto("/tasks")
    assert "/login" in page.url
    # The login form works from the keyboard alone: the user name field has the focus.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type("maria")
    page.keyboard.press("Tab")
    page.keyboard.type("secret-password")
    page.keyboard.press("Enter")
    page.wait_for_url(at("/tasks"))

    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 3
    overdue = page.locator("tr.overdue")
    assert overdue.count() == 1 and "Approve leave" in overdue.inner_text()
    assert overdue.locator(".badge-overdue").inner_text() == "Overdue"
    screenshot(page, "inbox")

    page.get_by_role("link", name="Approve expense").first.click()
    page.wait_for_selector("h1:has-text('Approve expense')")
    page.goto(f"/tasks/{open_task_id(claim['id'])}")
    assert "EXP-1042" in page.inner_text(".facts")
    assert "Expense claim" in page.inner_text(".facts")
    page.fill("textarea[name=comment], input[name=comment]", "Receipt attached")
    page.select_option("select[name=cost_center]", "ops")
    screenshot(page, "task-form")

    # Nothing chosen for the required yes/no question: refused, next to the field, typing kept.
    page.get_by_role("button", name="Complete").click()
    error = page.locator("#field-approved-error")
    error.wait_for()
    assert "required" in error.inner_text()
    assert page.input_value("[name=comment]") == "Receipt attached"
    assert page.input_value("select[name=cost_center]") == "ops"
    screenshot(page, "task-form-error")

    page.check("#field-approved-yes")
    page.fill("[name=paid_on]", "2030-03-01")
    page.get_by_role("button", name="Complete").click()
    page.wait_for_url(at("/tasks"))
    assert "Completed" in page.inner_text(".flashes")
    done = variables_of(claim["id"])
    assert done["state"] == "completed"
    assert (done["variables"]["approved"], done["variables"]["cost_center"], done["variables"]["paid_on"]) == \
        (True, "ops", "2030-03-01")

    page.goto("/")
    assert "overdue" in page.inner_text(".tiles")
    screenshot(page, "dashboard")


def test_a_camunda_style_form_refuses_an_empty_required_field(new_page, expense):
    claim = start("expense_claim", {"amount": 240}, "EXP-7")
    task_id = open_task_id(claim["id"])
    with unit_of_work() as uow:
        # Camunda 7 formData is not read yet (issue 4); this is the neutral form its reader will produce.
        uow.session.get(UserTask, task_id).form = {"type": "fields", "fields": [
            {"id": "reviewer", "label": "Reviewer", "type": "string", "required": True},
            {"id": "approved_amount", "label": "Approved amount", "type": "long", "min": 0, "default": 240},
            {"id": "urgent", "label": "Urgent", "type": "boolean"},
            {"id": "pay_on", "label": "Pay on", "type": "date"},
            {"id": "method", "label": "Payment method", "type": "enum", "required": True,
             "options": [{"id": "bank", "name": "Bank transfer"}, {"id": "cash", "name": "Cash"}]}]}
        uow.commit()
    page = new_page()
    log_in(page, "maria")
    page.goto(f"/tasks/{task_id}")
    assert page.input_value("[name=approved_amount]") == "240"
    for name in ("reviewer", "approved_amount", "urgent", "pay_on", "method"):
        # Every input has a label naming it.
        field_id = page.get_attribute(f"[name={name}]", "id")
        assert page.locator(f"label[for='{field_id}']").count() == 1
    page.check("[name=urgent]")
    page.select_option("[name=method]", "bank")
    page.get_by_role("button", name="Complete").click()
    page.locator("#field-reviewer-error").wait_for()
    assert page.get_attribute("[name=reviewer]", "aria-invalid") == "true"
    assert page.is_checked("[name=urgent]") and page.input_value("[name=method]") == "bank"

    page.fill("[name=reviewer]", "Maria")
    page.fill("[name=pay_on]", "2030-04-02")
    page.get_by_role("button", name="Complete").click()
    page.wait_for_url(at("/tasks"))
    variables = variables_of(claim["id"])["variables"]
    assert (variables["reviewer"], variables["approved_amount"], variables["urgent"], variables["pay_on"],
            variables["method"]) == ("Maria", 240, True, "2030-04-02", "bank")


def test_a_form_js_form_is_rendered_by_form_js(new_page, expense):
    claim = start("expense_claim", {"amount": 240}, "EXP-8")
    task_id = open_task_id(claim["id"])
    with unit_of_work() as uow:
        # No Camunda 8 reader yet either: the shape it will store, with a real form-js schema.
        uow.session.get(UserTask, task_id).form = {"type": "form-js", "form_schema": {
            "type": "default", "id": "expense", "schemaVersion": 16, "components": [
                {"type": "textfield", "key": "reviewer", "label": "Reviewer", "id": "Field_reviewer",
                 "validate": {"required": True}},
                {"type": "checkbox", "key": "approved", "label": "Approved", "id": "Field_approved"}]}}
        uow.commit()
    page = new_page()
    log_in(page, "maria")
    page.goto(f"/tasks/{task_id}")
    page.locator(".fjs-container input[name=reviewer]").wait_for()
    page.get_by_role("button", name="Complete").click()
    assert page.locator(".fjs-form-field-error").count() >= 1   # form-js says it first, in the browser
    assert "/complete" not in page.url
    # form-js applies typing after a short debounce; tick the box first so that cannot undo it.
    page.click(".fjs-container input[name=approved]")
    expect(page.locator(".fjs-container input[name=approved]")).to_be_checked()
    page.fill(".fjs-container input[name=reviewer]", "Maria")
    page.get_by_role("button", name="Complete").click()
    page.wait_for_url(at("/tasks"))
    variables = variables_of(claim["id"])["variables"]
    assert (variables["reviewer"], variables["approved"]) == ("Maria", True)


def test_upload_a_model_and_see_its_diagram_then_a_broken_one(new_page, people):
    page = new_page()
    log_in(page, "dana")
    page.goto("/definitions")
    page.set_input_files("input[type=file][name=file]", [
        str(EXAMPLES / "service_request.bpmn"), str(EXAMPLES / "service-request-schema.json"),
        str(EXAMPLES / "manager-approval-schema.json"), str(EXAMPLES / "manager-approval-uischema.json")])
    page.get_by_role("button", name="Deploy").click()
    page.wait_for_url(at("/definitions/service_request"))
    page.locator("[data-bpmn-diagram][data-rendered=true]").wait_for()
    assert page.locator(".djs-element[data-element-id=describe_request]").count() == 1
    assert page.locator(".bjs-powered-by").count() == 1   # bpmn-js, with its required watermark
    screenshot(page, "definition-diagram")

    page.goto("/definitions")
    page.set_input_files("input[type=file][name=file]", str(MODELS / "broken_syntax.bpmn"))
    page.get_by_role("button", name="Deploy").click()
    problem = page.locator("tr.problem").first
    problem.wait_for()
    assert problem.locator(".problem-file").inner_text() == "broken_syntax.bpmn"
    assert problem.locator(".problem-line").inner_text().strip().isdigit()
    screenshot(page, "upload-error", full_page=False)


def test_an_operator_retries_an_incident_and_cancels_an_instance(new_page, expense):
    for n in range(3):
        start("expense_claim", {"amount": 50 + n}, f"EXP-{200 + n}")
    broken = start("expense_claim", {}, "EXP-BROKEN")   # no amount: the script fails
    assert broken["state"] == "error"
    page = new_page()
    log_in(page, "otto")
    page.goto("/instances")
    page.select_option("#state", "error")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=broken["id"][:8]).click()
    page.locator("[data-bpmn-diagram][data-rendered=true]").wait_for()
    assert page.locator(".marker-failed[data-element-id=Script_check]").count() == 1
    waiting = page.locator(".djs-overlay .badge-wait").first
    assert waiting.inner_text() == "3"   # three instances wait at "Approve expense"
    assert "amount" in page.inner_text(".incident-open")
    screenshot(page, "instance")

    page.fill("textarea[name=variables]", json.dumps({"amount": 75}))
    page.get_by_role("button", name="Retry").click()
    page.wait_for_selector(".flash-ok")
    assert "runs again" in page.inner_text(".flashes")
    page.locator("[data-bpmn-diagram][data-rendered=true]").wait_for()
    assert page.locator(".marker-active[data-element-id=Task_approve_expense]").count() == 1
    assert variables_of(broken["id"])["state"] == "running"

    page.fill("#cancel-reason", "filed twice")
    page.get_by_role("button", name="Cancel instance").click()
    page.wait_for_selector("text=The instance was cancelled.")
    cancelled = variables_of(broken["id"])
    assert cancelled["state"] == "cancelled" and cancelled["end_reason"] == "filed twice"


def test_pages_fit_a_phone(new_page, expense):
    claim = start("expense_claim", {"amount": 240}, "EXP-9")
    start("leave_request", {"employee": "Kim Lee", "days": 3}, "LEAVE-18")
    page = new_page(390, 844)
    log_in(page, "maria")
    for path in ("/", "/tasks", f"/tasks/{open_task_id(claim['id'])}", "/definitions"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    page.goto("/tasks")
    screenshot(page, "inbox-phone")
