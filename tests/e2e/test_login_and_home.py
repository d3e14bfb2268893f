"""User journeys in headless Chromium: log in, see today's numbers for one's own kommune, log out."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from data.db import Store
from tests.e2e.browser import axe_violations, log_in, start

OSLO_PATH = "/NO/03/0301/"
BERGEN_PATH = "/NO/46/4601/"


def _expected_counts(db_url: str, path: str, today: dt.date) -> dict[str, str]:
    """Counted with plain SQL, independently of the app's query code."""
    store = Store(db_url)
    scope = "FROM \"case\" c JOIN org_unit o ON o.id = c.org_unit_id WHERE o.path LIKE :p AND c.status = 'active'"
    with store.engine.connect() as conn:
        count = lambda sql, **kw: conn.execute(text(sql), {"p": path + "%", **kw}).scalar_one()  # noqa: E731
        index = count(f"SELECT count(*) {scope} AND c.kind = 'index'")
        contacts = count(f"SELECT count(*) {scope} AND c.kind = 'contact'")
        due = count("SELECT count(*) FROM follow_up f JOIN \"case\" c ON c.id = f.case_id JOIN org_unit o ON o.id = c.org_unit_id "
                    "WHERE o.path LIKE :p AND c.status = 'active' AND f.done_at IS NULL AND f.due_date = :d", d=today)
        overdue = count("SELECT count(*) FROM follow_up f JOIN \"case\" c ON c.id = f.case_id JOIN org_unit o ON o.id = c.org_unit_id "
                        "WHERE o.path LIKE :p AND c.status = 'active' AND f.done_at IS NULL AND f.due_date < :d", d=today)
    store.dispose()
    assert index > 0 and contacts > 0 and due > 0, "the demo data should give every demo kommune work today"
    fmt = lambda n: f"{n:,}".replace(",", "\u00a0")  # noqa: E731
    return {
        "#home-active-index-cases": fmt(index),
        "#home-active-contacts": fmt(contacts),
        "#home-follow-ups-due-today": fmt(due),
        "#home-follow-ups-overdue": fmt(overdue),
    }


@pytest.mark.parametrize(
    ("username", "kommune", "path"),
    [("sporer.oslo", "Oslo", OSLO_PATH), ("sporer.bergen", "Bergen", BERGEN_PATH)],
)
def test_tracer_sees_todays_counts_for_own_kommune(dash_duo, demo_db_url, demo_today, username, kommune, path):
    base = start(dash_duo, demo_db_url)
    expected = _expected_counts(demo_db_url, path, demo_today)

    log_in(dash_duo, base, username)

    dash_duo.wait_for_contains_text("#home-heading", kommune, timeout=10)
    for selector, value in expected.items():
        dash_duo.wait_for_text_to_equal(selector, value, timeout=10)
    dash_duo.wait_for_contains_text("#home-date", demo_today.strftime("%d.%m.%Y"))
    dash_duo.wait_for_contains_text("#shell-user", kommune)
    assert dash_duo.driver.find_element("css selector", "html").get_attribute("lang") == "nb"


def test_anonymous_is_sent_to_login_and_wrong_password_is_refused(dash_duo, demo_db_url):
    base = start(dash_duo, demo_db_url)

    dash_duo.driver.get(base + "/")
    dash_duo.wait_for_element("#login-submit")
    assert "/logg-inn" in dash_duo.driver.current_url

    log_in(dash_duo, base, "sporer.oslo", "feil-passord")
    dash_duo.wait_for_text_to_equal("#login-error", "Feil brukernavn eller passord.")
    assert "/logg-inn" in dash_duo.driver.current_url


def test_login_and_home_pages_have_no_wcag_violations(dash_duo, demo_db_url):
    base = start(dash_duo, demo_db_url)

    dash_duo.driver.get(base + "/logg-inn")
    dash_duo.wait_for_element("#login-submit")
    assert axe_violations(dash_duo.driver) == []

    log_in(dash_duo, base, "sporer.oslo")
    dash_duo.wait_for_contains_text("#home-heading", "Oslo", timeout=10)
    dash_duo.wait_for_text_to_equal("#home-active-index-cases", dash_duo.find_element("#home-active-index-cases").text)
    assert axe_violations(dash_duo.driver) == []


def test_navbar_shows_only_allowed_pages_and_logout_ends_the_session(dash_duo, demo_db_url):
    base = start(dash_duo, demo_db_url)
    log_in(dash_duo, base, "fhi")
    dash_duo.wait_for_contains_text("#shell-user", "FHI", timeout=10)
    links = [a.text for a in dash_duo.find_elements("#shell-nav-links a")]
    assert links == ["Oversikt", "Smittespredning", "Om Smittespor"]  # aggregates only: no case-work pages

    dash_duo.find_element("#logout-button").click()
    dash_duo.wait_for_element("#login-submit")
    dash_duo.driver.get(base + "/om")
    dash_duo.wait_for_element("#login-submit")
    assert "/logg-inn" in dash_duo.driver.current_url
