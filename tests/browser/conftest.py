"""Fixtures for the pages: people with roles, a logged-in test client, and a real browser.

Browser tests drive Debian's chromium (apt-get install chromium) through Playwright; Playwright's
own browser download is never used. They run on SQLite only (see `sqlite_database_url`) to keep
the suite fast; the test-client page tests run on both databases like the API tests.
"""
import os
import re
import shutil
from pathlib import Path

import pytest

from engine import db, roles, users
from engine.uow import unit_of_work
from tests.conftest import _empty_tables

CHROMIUM = os.environ.get("BATON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).parent.parent.parent / "docs" / "screenshots"
PASSWORD = "secret-password"

# name: (is_admin, roles, groups)
PEOPLE = {
    "admin": (True, [], []),
    "maria": (False, ["user"], ["managers"]),          # a manager: works on the approval tasks
    "dana": (False, ["designer"], []),                 # deploys models
    "otto": (False, ["operator"], []),                 # looks after running instances
    "sam": (False, ["user"], ["service-desk"]),        # sees none of the managers' tasks
}


def create_people(*names):
    for name in names or PEOPLE:
        is_admin, role_list, groups = PEOPLE[name]
        with unit_of_work() as uow:
            if users.find_user(uow, name) is None:   # the API tests' admin may be there already
                users.create_user(uow, name, PASSWORD, is_admin=is_admin, groups=groups)
        with unit_of_work() as uow:
            roles.set_roles(uow, name, role_list + (["admin"] if is_admin else []), groups)


@pytest.fixture
def people(app, admin_token):
    """Everyone in PEOPLE; admin is the API tests' admin (password "admin-password")."""
    create_people()
    return PEOPLE


def password_of(username):
    return "admin-password" if username == "admin" else PASSWORD


def csrf_token(html):
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


class Pages:
    """A test client logged in through the login form, that sends the CSRF token with every post."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, username, password=None):
        password = password or password_of(username)
        page = self.client.get("/login")
        self.token = csrf_token(page.get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password,
                                                "_csrf_token": self.token})

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("_csrf_token", self.token)
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def pages(app, people):
    def login(username):
        session = Pages(app.test_client())
        response = session.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return session
    return login


# --------------------------------------------------------------------------
# The browser

@pytest.fixture
def sqlite_database_url(sqlite_url):
    db.configure(sqlite_url)
    _empty_tables()
    return sqlite_url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"{CHROMIUM} is missing: run `make install-system` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(width, height) -> a Playwright page in its own context (own cookies), base URL set."""
    contexts = []

    def make(width=1280, height=900):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": height})
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def log_in(page, username, password=None):
    password = password or password_of(username)
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
