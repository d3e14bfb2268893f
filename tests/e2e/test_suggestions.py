"""Klyngeforslag in headless Chromium: the kommuneoverlege sees suggestions from the demo outbreak, accepts one and
lands on its cluster with the suggested cases as members; a tracer sees the same list without the buttons. No
WCAG 2.1 A/AA violations.

The demo store is shared with the other browser tests, so the test does not count on a particular suggestion:
it takes whatever Oslo's first card is, and registers two index cases at one workplace itself (through tracing/)
only if another test has left Oslo without any suggestion.
"""

from __future__ import annotations

import datetime as dt
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from auth.actor import load_actor
from data.db import Store
from data.models import User
from data.orgunits import OSLO, by_code
from tests.e2e.browser import axe_violations, log_in, start, text_of
from tracing.cases import IndexInput, register_index
from tracing.persons import PersonInput, create_person
from tracing.suggestions import suggest_clusters

TIMEOUT = 15
CLUSTER_URL = re.compile(r"/klynge/(\d+)$")
QUOTED = re.compile(r"«(.+?)»")
CARD = ".suggestion-card"
ACCEPT = "button[id*='suggestion-accept']"


def _ensure_an_oslo_suggestion(db_url: str, today: dt.date) -> None:
    """Oslo's doctor should have at least one suggestion; if the shared store has none left, make one."""
    store = Store(db_url)
    try:
        with store.session() as session:
            user_id = session.scalar(select(User.id).where(User.username == "overlege.oslo"))
            actor = load_actor(session, user_id)
            assert actor is not None
            if suggest_clusters(session, actor, today=today):
                return
            oslo = by_code(session, OSLO)
            for i, first in enumerate(("Elin", "Frode")):
                person = create_person(
                    session,
                    actor,
                    PersonInput(first_name=first, last_name="Forslagsen", birth_date=dt.date(1980 + i, 3, 14), home_org_unit_id=oslo.id),
                    duplicate_reason="Nettlesertest av klyngeforslag",
                )
                register_index(
                    session,
                    actor,
                    IndexInput(
                        person_id=person.id,
                        org_unit_id=oslo.id,
                        test_date=today - dt.timedelta(days=1 + i),
                        test_method="PCR",
                        workplace_or_school="Forslagsen Testbedrift AS",
                    ),
                    today=today,
                )
    finally:
        store.dispose()


def _open_suggestions(dash_duo, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    log_in(dash_duo, base, username)
    dash_duo.wait_for_contains_text("#shell-user", "Oslo", timeout=TIMEOUT)
    dash_duo.driver.get(base + "/klyngeforslag")
    dash_duo.wait_for_element(CARD, timeout=TIMEOUT)


def _click(dash_duo, element) -> None:  # type: ignore[no-untyped-def]
    dash_duo.driver.execute_script(
        "document.documentElement.style.scrollBehavior = 'auto'; arguments[0].scrollIntoView({block: 'center'});", element
    )
    element.click()


def test_doctor_accepts_a_suggestion_and_lands_on_its_cluster(dash_duo, demo_db_url, demo_today):
    _ensure_an_oslo_suggestion(demo_db_url, demo_today)
    base = start(dash_duo, demo_db_url)

    # Given overlege.oslo on Klyngeforslag
    _open_suggestions(dash_duo, base, "overlege.oslo")
    dash_duo.wait_for_contains_text("#suggestions-summary", "forslag", timeout=TIMEOUT)

    # Then each card tells its evidence, its cases with dates and links to their person pages, and a proposal
    card = dash_duo.find_element(CARD)
    heading = card.find_element(By.CSS_SELECTOR, "h2").text
    assert re.match(r"^Samme (arbeidsplass|skole/barnehage|adresse|arrangement): \S", heading), heading
    assert re.search(r"\d\d\.\d\d\.\d{4} – \d\d\.\d\d\.\d{4}", card.text)
    items = card.find_elements(By.CSS_SELECTOR, ".suggestion-case")
    assert len(items) >= 2
    assert all(re.search(r"sak \d+ · \d\d\.\d\d\.\d{4}", item.text) for item in items)
    links = card.find_elements(By.CSS_SELECTOR, ".suggestion-case a")
    assert links and all(re.search(r"/person/\d+$", a.get_attribute("href")) for a in links)
    names = [a.text for a in links]
    assert QUOTED.search(card.text)  # the proposed (or existing) cluster's name

    # And the page has no WCAG 2.1 A/AA violations
    assert axe_violations(dash_duo.driver) == []

    # When the doctor accepts the first suggestion
    button = card.find_element(By.CSS_SELECTOR, ACCEPT)
    button_id = button.get_attribute("id")
    _click(dash_duo, button)

    # Then a confirmation links to the cluster, and the card leaves the list
    link = dash_duo.wait_for_element("#suggestions-open-cluster", timeout=TIMEOUT)
    cluster_name = QUOTED.search(text_of(dash_duo, "#suggestions-feedback")).group(1)
    WebDriverWait(dash_duo.driver, TIMEOUT).until(
        lambda d: d.execute_script("return document.getElementById(arguments[0]) === null;", button_id)
    )
    _click(dash_duo, link)

    # And the cluster page shows the cluster with the suggested cases among its index members
    WebDriverWait(dash_duo.driver, TIMEOUT).until(lambda d: CLUSTER_URL.search(d.current_url))
    dash_duo.wait_for_text_to_equal("#cluster-heading", cluster_name, timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#cluster-members-index", names[0], timeout=TIMEOUT)
    index_members = text_of(dash_duo, "#cluster-members-index")
    assert all(name in index_members for name in names)


def test_tracer_sees_suggestions_without_accept_or_dismiss(dash_duo, demo_db_url, demo_today):
    _ensure_an_oslo_suggestion(demo_db_url, demo_today)
    base = start(dash_duo, demo_db_url)

    _open_suggestions(dash_duo, base, "sporer.oslo")

    assert dash_duo.find_elements(ACCEPT) == []
    assert dash_duo.find_elements("button[id*='suggestion-dismiss']") == []
    assert "Bare kommuneoverlegen kan opprette eller avvise" in dash_duo.find_element(CARD).text
