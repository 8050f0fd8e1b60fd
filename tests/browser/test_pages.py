"""The pages through Flask's test client, on SQLite and PostgreSQL: who sees what, and that each
form does what it says. The browser tests (test_in_browser.py) cover the same flows in chromium."""
import re
from pathlib import Path

import pytest

from engine import instances
from engine.models import UserTask
from engine.uow import unit_of_work
from tests.browser.conftest import Pages
from tests.conftest import MODELS, deploy

HERE = Path(__file__).parent / "models"


def upload(session, *paths):
    data = {"file": [(open(p, "rb"), Path(p).name) for p in paths], "_next": "/definitions"}
    return session.post("/definitions", data=data, content_type="multipart/form-data")


def start(key, variables=None, business_key=None, user="admin"):
    with unit_of_work() as uow:
        return instances.start(uow, key, variables, business_key, user=user)


def task_ids(html):
    return re.findall(r'name="task" value="([0-9a-f-]{36})"', html)


@pytest.fixture
def approval(client):
    assert deploy(client, "approval.bpmn", "review-schema.json").status_code == 201


@pytest.fixture
def leave(client):
    response = client.post("/api/v1/deployments", content_type="multipart/form-data", data={"file": [
        (open(HERE / "leave_request.bpmn", "rb"), "leave_request.bpmn"),
        (open(HERE / "leave-start-schema.json", "rb"), "leave-start-schema.json")]})
    assert response.status_code == 201, response.json


def test_pages_send_strangers_to_the_login_form_and_the_api_still_says_401(anonymous):
    response = anonymous.get("/tasks?due=overdue")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/tasks?due%3Doverdue"
    assert anonymous.get("/api/v1/tasks").status_code == 401
    assert anonymous.get("/metrics").status_code == 401
    login = anonymous.get("/login")
    assert login.status_code == 200
    html = login.get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html and 'for="username"' in html


def test_login_logout_and_csrf(app, people):
    client = app.test_client()
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    wrong = client.post("/login", data={"username": "maria", "password": "nope", "_csrf_token": token})
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.get_data(as_text=True)
    forged = client.post("/login", data={"username": "maria", "password": "secret-password"})
    assert forged.status_code == 400
    ok = client.post("/login", data={"username": "maria", "password": "secret-password", "_csrf_token": token,
                                     "next": "https://evil.example/"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/tasks").status_code == 200
    # A logged-in browser session may use the API too, but not for writes without the token.
    assert client.get("/api/v1/tasks").status_code == 200
    assert client.post("/api/v1/deployments").status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"_csrf_token": token}).status_code == 302
    assert client.get("/tasks").status_code == 302


def test_inbox_shows_my_groups_tasks_and_not_others(pages, approval):
    start("approval", {"amount": 300}, "REQ-1")
    maria, sam, admin = pages("maria"), pages("sam"), pages("admin")
    mine = maria.get("/tasks").get_data(as_text=True)
    assert "Review request" in mine and "REQ-1" in mine and len(task_ids(mine)) == 1
    assert task_ids(sam.get("/tasks").get_data(as_text=True)) == []
    assert len(task_ids(admin.get("/tasks").get_data(as_text=True))) == 1
    assert task_ids(maria.get("/tasks?scope=mine").get_data(as_text=True)) == []
    assert maria.get("/tasks?sort=bogus").status_code == 400


def test_bulk_claim_then_filters(pages, approval, leave):
    for n in range(3):
        start("approval", {"amount": 300 + n}, f"REQ-{n}")
    start("leave_request", {"employee": "Kim", "days": 2})
    maria = pages("maria")
    html = maria.get("/tasks").get_data(as_text=True)
    ids = task_ids(html)
    assert len(ids) == 4
    assert html.count("badge-overdue") == 1   # the leave request was due in 2000
    done = maria.post("/tasks/bulk", {"action": "claim", "task": ids[:2], "_next": "/tasks"})
    assert done.status_code == 302 and done.headers["Location"] == "/tasks"
    assert len(task_ids(maria.get("/tasks?scope=mine").get_data(as_text=True))) == 2
    assert len(task_ids(maria.get("/tasks?due=overdue").get_data(as_text=True))) == 1
    assert len(task_ids(maria.get("/tasks?priority=high").get_data(as_text=True))) == 1
    assert len(task_ids(maria.get("/tasks?process=approval").get_data(as_text=True))) == 3
    again = maria.post("/tasks/bulk", {"action": "claim", "task": ids[:1], "_next": "/tasks"},
                       follow_redirects=True)
    assert again.status_code == 200
    nothing = maria.post("/tasks/bulk", {"action": "claim", "_next": "/tasks"}, follow_redirects=True)
    assert "select at least one task" in nothing.get_data(as_text=True)
    # Without admin rights one hands on only the tasks one holds; the others are refused one by one.
    assigned = maria.post("/tasks/bulk", {"action": "assign", "assignee": "sam", "task": [ids[0], ids[2]],
                                          "_next": "/tasks"}, follow_redirects=True)
    text = assigned.get_data(as_text=True)
    assert "1 task(s) assigned." in text and "only the assignee or an admin" in text
    assert task_ids(pages("sam").get("/tasks?scope=mine").get_data(as_text=True)) == [ids[0]]


def test_task_page_refuses_bad_input_keeps_it_and_completes(pages, approval):
    instance = start("approval", {"amount": 300}, "REQ-9")
    maria = pages("maria")
    [task_id] = task_ids(maria.get("/tasks").get_data(as_text=True))
    page = maria.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Simple approval" in page and "REQ-9" in page and ">Complete</button>" in page
    assert 'name="approved"' in page and 'name="comment"' in page and "amount" in page
    refused = maria.post(f"/tasks/{task_id}/complete", {"comment": "looks fine"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert re.search(r'id="field-approved-error">[^<]*required', html)
    assert 'value="looks fine"' in html or ">looks fine</textarea>" in html
    assert maria.post(f"/tasks/{task_id}/notes", {"text": "Called the requester"}).status_code == 302
    done = maria.post(f"/tasks/{task_id}/complete", {"approved": "true", "comment": "ok", "_reason": "budget fits"})
    assert done.status_code == 302 and done.headers["Location"] == "/tasks"
    after = maria.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Called the requester" in after and "budget fits" in after and "completed" in after
    with unit_of_work() as uow:
        assert instances.get(uow, instance["id"])["variables"]["status"] == "approved"


def test_a_fields_form_is_rendered_and_validated(pages, approval):
    instance = start("approval", {"amount": 300})
    with unit_of_work() as uow:
        row = uow.session.query(UserTask).filter_by(instance_id=instance["id"]).one()
        # No dialect reader produces "fields" forms yet (Camunda formData is issue 4): set one here.
        row.form = {"type": "fields", "fields": [
            {"id": "approved", "label": "Approved", "type": "boolean"},
            {"id": "reviewer", "label": "Reviewer", "type": "string", "required": True},
            {"id": "limit", "label": "Limit", "type": "long", "min": 1},
            {"id": "decided_on", "label": "Decided on", "type": "date"},
            {"id": "level", "label": "Level", "type": "enum", "options": [{"id": "l1", "name": "First"}]}]}
        uow.commit()
        task_id = row.id
    maria = pages("maria")
    html = maria.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'type="checkbox" id="field-approved" name="approved"' in html
    assert 'type="date" id="field-decided_on" name="decided_on"' in html
    assert '<select id="field-level" name="level"' in html
    refused = maria.post(f"/tasks/{task_id}/complete", {"limit": "abc", "level": "l1"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "field-limit-error" in text
    done = maria.post(f"/tasks/{task_id}/complete", {"approved": "true", "reviewer": "Maria", "limit": "20",
                                                     "decided_on": "2030-01-02", "level": "l1"})
    assert done.status_code == 302
    with unit_of_work() as uow:
        variables = instances.get(uow, instance["id"])["variables"]
    assert (variables["approved"], variables["limit"], variables["decided_on"], variables["level"]) == \
        (True, 20, "2030-01-02", "l1")


def test_start_form_skip_and_claim(pages, leave):
    maria = pages("maria")
    page = maria.get("/definitions/leave_request").get_data(as_text=True)
    assert 'name="employee"' in page and 'name="days"' in page and "data-bpmn-diagram" in page
    refused = maria.post("/definitions/leave_request/start", {"employee": "", "days": "0", "_business_key": "L-1"})
    assert refused.status_code == 422
    assert "field-employee-error" in refused.get_data(as_text=True)
    started = maria.post("/definitions/leave_request/start", {"employee": "Kim", "days": "3",
                                                              "_business_key": "L-1"})
    assert started.status_code == 302 and started.headers["Location"] == "/tasks"
    [task_id] = task_ids(maria.get("/tasks").get_data(as_text=True))
    assert maria.post(f"/tasks/{task_id}/claim", {"_next": f"/tasks/{task_id}"}).status_code == 302
    page = maria.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Unclaim" in page and "Skip this task" in page and "badge-overdue" in page
    assert maria.post(f"/tasks/{task_id}/skip", {"_reason": "Kim withdrew"}).status_code == 302
    with unit_of_work() as uow:
        [found] = instances.list_instances(uow, business_key="L-1")["items"]
    assert found["state"] == "completed" and found["variables"]["employee"] == "Kim"


def test_roles_guard_upload_and_operator_pages(pages, approval):
    sam, dana = pages("sam"), pages("dana")
    assert sam.get("/instances").status_code == 403
    assert "Deploy models" not in sam.get("/definitions").get_data(as_text=True)
    assert upload(sam, MODELS / "approval.bpmn").status_code == 403
    assert "Deploy models" in dana.get("/definitions").get_data(as_text=True)
    bad = upload(dana, MODELS / "broken_syntax.bpmn")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "broken_syntax.bpmn" in html and re.search(r'class="num problem-line">\d+<', html)
    good = upload(dana, EXAMPLES_SERVICE_REQUEST, *EXAMPLES_SERVICE_FORMS)
    assert good.status_code == 302 and good.headers["Location"] == "/definitions/service_request"
    assert "Service request" in dana.get("/definitions").get_data(as_text=True)


def test_operator_sees_an_incident_retries_it_and_cancels(pages, approval, client):
    failed = start("approval", {}, "BROKEN-1")
    assert failed["state"] == "error"
    otto = pages("otto")
    listing = otto.get("/instances?state=error").get_data(as_text=True)
    assert "BROKEN-1" in listing
    page = otto.get(f"/instances/{failed['id']}").get_data(as_text=True)
    assert "Script_prepare" in page and "amount" in page and "Retry" in page
    [incident_id] = re.findall(r'/incidents/([0-9a-f-]{36})/retry', page)
    retried = otto.post(f"/incidents/{incident_id}/retry", {"variables": '{"amount": 500}',
                                                            "_next": f"/instances/{failed['id']}"})
    assert retried.status_code == 302
    page = otto.get(f"/instances/{failed['id']}").get_data(as_text=True)
    assert "incident retried" in page and "Task_review" in page
    assert otto.post(f"/instances/{failed['id']}/cancel", {"reason": "", "_next": "/instances"}).status_code == 302
    cancelled = otto.post(f"/instances/{failed['id']}/cancel", {"reason": "duplicate", "_next": "/instances"})
    assert cancelled.status_code == 302
    assert client.get(f"/api/v1/process-instances/{failed['id']}").json["state"] == "cancelled"


def test_retry_through_the_api(client, approval):
    failed = start("approval", {})
    incident = failed["incidents"][0]
    again = client.post(f"/api/v1/incidents/{incident['id']}/retry")
    assert again.status_code == 200 and again.json["state"] == "error"   # amount is still missing
    new = again.json["incidents"][0]
    assert new["id"] != incident["id"]
    assert client.get(f"/api/v1/incidents/{incident['id']}").json["state"] == "resolved"
    fixed = client.post(f"/api/v1/incidents/{new['id']}/retry", json={"variables": {"amount": 50}})
    assert fixed.status_code == 200, fixed.json
    assert fixed.json["state"] == "running" and fixed.json["active_elements"] == ["Task_review"]
    assert fixed.json["variables"]["needs_review"] is False
    assert client.post(f"/api/v1/incidents/{new['id']}/retry").status_code == 409
    assert client.post("/api/v1/incidents/nope/retry").status_code == 404


def test_dashboard_counts(pages, approval, leave):
    start("approval", {"amount": 300})
    start("approval", {})
    start("leave_request", {"employee": "Kim", "days": 1})
    html = pages("maria").get("/").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> overdue", html)
    assert re.search(r"<strong>2</strong> to claim", html)
    assert re.search(r"<strong>2</strong> running instances", html)
    assert re.search(r"<strong>1</strong> incidents", html)


EXAMPLES_SERVICE_REQUEST = Path(__file__).parent.parent.parent / "examples" / "service_request.bpmn"
EXAMPLES_SERVICE_FORMS = [Path(__file__).parent.parent.parent / "examples" / n for n in
                          ("service-request-schema.json", "manager-approval-schema.json",
                           "manager-approval-uischema.json")]


def test_admins_give_people_roles_and_groups(pages):
    admin, sam = pages("admin"), pages("sam")
    assert sam.get("/admin/users").status_code == 403
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "maria" in page and "managers" in page
    created = admin.post("/admin/users", {"username": "lee", "password": "long-enough", "role": ["operator"],
                                          "groups": "managers, service-desk", "_next": "/admin/users"})
    assert created.status_code == 302
    session = Pages(admin.client.application.test_client())
    assert session.login("lee", "long-enough").status_code == 302
    assert session.get("/instances").status_code == 200
    changed = admin.post("/admin/users/lee", {"role": [], "groups": "", "_next": "/admin/users"})
    assert changed.status_code == 302
    assert session.get("/instances").status_code == 403
    refused = admin.post("/admin/users", {"username": "bad name", "password": "x", "_next": "/admin/users"},
                         follow_redirects=True)
    assert "username must be" in refused.get_data(as_text=True)
