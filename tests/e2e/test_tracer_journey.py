"""The tracer's journey in headless Chromium (issue 3, section 8).

sporer.oslo searches before creating, registers a new person, registers them as an index case, creates a cluster,
adds two new close contacts linked to it, finds both on the worklist "Nærkontakter i dag", records a follow-up on
one and converts the other to an index case. Then sporer.bergen can neither find nor open any of it. axe-core
checks the new pages for WCAG 2.1 A/AA violations along the way.

The demo store is shared with the other browser tests, so the journey makes its own persons with fresh synthetic
numbers (a fixed random.Random) and names that the demo generator never produces.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from data import national_id
from tests.e2e.browser import axe_violations, log_in, start

TIMEOUT = 15
PERSON_URL = re.compile(r"/person/(\d+)$")
CLUSTER_URL = re.compile(r"/klynge/(\d+)$")


def _numbers(count: int) -> list[str]:
    rng = random.Random(20260303)
    births = [dt.date(1979, 4, 12), dt.date(1988, 11, 2), dt.date(2012, 1, 23)]
    return [national_id.generate(births[i], rng=rng, synthetic=True) for i in range(count)]


def _nb(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _type(dash_duo, selector: str, text: str) -> None:
    element = dash_duo.wait_for_element(selector, timeout=TIMEOUT)
    element.clear()
    element.send_keys(text)


def _choose(dash_duo, selector: str, value: str) -> None:
    dash_duo.wait_for_element(selector, timeout=TIMEOUT)
    Select(dash_duo.find_element(selector)).select_by_value(value)


def _click(dash_duo, selector: str) -> None:
    """Scroll the element to the middle (Bootstrap's smooth scrolling would move it under the pointer) and click."""
    element = dash_duo.wait_for_element(selector, timeout=TIMEOUT)
    dash_duo.driver.execute_script(
        "document.documentElement.style.scrollBehavior = 'auto'; arguments[0].scrollIntoView({block: 'center'});",
        element,
    )
    element.click()


def _wait_url(dash_duo, pattern: re.Pattern[str]) -> int:
    """Wait until the browser is on a page matching ``pattern`` and return the id in it."""
    WebDriverWait(dash_duo.driver, TIMEOUT).until(lambda d: pattern.search(d.current_url))
    return int(pattern.search(dash_duo.driver.current_url).group(1))  # type: ignore[union-attr]


def _assert_accessible(dash_duo) -> None:
    violations = axe_violations(dash_duo.driver)
    assert violations == [], violations


def _open_person(dash_duo, base: str, person_id: int, name: str) -> None:
    dash_duo.driver.get(f"{base}/person/{person_id}")
    dash_duo.wait_for_text_to_equal("#person-heading", name, timeout=TIMEOUT)


def _add_new_contact(
    dash_duo, first: str, last: str, number: str, exposed: dt.date, setting: str, cluster_id: int
) -> None:
    _click(dash_duo, ".case-kind-index.case-status-active .person-case-add-contact")
    _type(dash_duo, "#person-contact-first-name", first)
    _type(dash_duo, "#person-contact-last-name", last)
    _type(dash_duo, "#person-contact-national-id", number)
    _type(dash_duo, "#person-contact-exposure-date", _nb(exposed))
    _choose(dash_duo, "#person-contact-setting", setting)
    dash_duo.wait_for_element(f"#person-contact-cluster option[value='{cluster_id}']", timeout=TIMEOUT)
    _choose(dash_duo, "#person-contact-cluster", str(cluster_id))
    _click(dash_duo, "#person-contact-save")
    dash_duo.wait_for_contains_text("#person-exposures-out", f"{first} {last}", timeout=TIMEOUT)


def _fill_index_form(dash_duo, test_date: dt.date, onset: dt.date) -> None:
    _type(dash_duo, "#person-index-test-date", _nb(test_date))
    _type(dash_duo, "#person-index-symptom-onset", _nb(onset))
    _choose(dash_duo, "#person-index-method", "PCR")
    _click(dash_duo, "#person-index-save")


def test_tracer_registers_index_contacts_and_cluster_and_other_kommune_sees_none_of_it(
    dash_duo, demo_db_url, demo_today
):
    index_number, first_contact_number, second_contact_number = _numbers(3)
    surname = "Sporingsprøve"
    index_name = f"Solveig {surname}"
    contact_a = ("Ånund", f"{surname}-Lie")
    contact_b = ("Brita", f"{surname}-Moe")
    base = start(dash_duo, demo_db_url)

    # Given sporer.oslo is logged in
    log_in(dash_duo, base, "sporer.oslo")
    dash_duo.wait_for_contains_text("#home-heading", "Oslo", timeout=TIMEOUT)

    # When they search for the person before creating them, there is no hit
    dash_duo.driver.get(base + "/personer")
    dash_duo.wait_for_element("#persons-new-home-org-unit-id option[value]:not([value=''])", timeout=TIMEOUT)
    _assert_accessible(dash_duo)
    _type(dash_duo, "#persons-search-text", index_name)
    _click(dash_duo, "#persons-search-button")
    dash_duo.wait_for_text_to_equal("#persons-no-hits", "Ingen treff.", timeout=TIMEOUT)

    # And they register the person, and land on the new person's page
    _type(dash_duo, "#persons-new-first-name", "Solveig")
    _type(dash_duo, "#persons-new-last-name", surname)
    _type(dash_duo, "#persons-new-national-id", index_number)
    _type(dash_duo, "#persons-new-phone", "41234567")
    _click(dash_duo, "#persons-create-button")
    index_id = _wait_url(dash_duo, PERSON_URL)
    dash_duo.wait_for_text_to_equal("#person-heading", index_name, timeout=TIMEOUT)
    assert index_number not in dash_duo.driver.current_url

    # And they register the person as an index case
    _click(dash_duo, "#person-register-index-open")
    dash_duo.wait_for_element("#person-index-test-date", timeout=TIMEOUT)
    _assert_accessible(dash_duo)  # with the form (a modal dialog) open
    _fill_index_form(dash_duo, demo_today - dt.timedelta(days=1), demo_today - dt.timedelta(days=2))
    dash_duo.wait_for_element(".case-kind-index.case-status-active", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#person-cases", "Isolasjon", timeout=TIMEOUT)
    _assert_accessible(dash_duo)

    # And they create one cluster
    dash_duo.driver.get(base + "/klynger")
    dash_duo.wait_for_element("#clusters-new-org-unit option[value]", timeout=TIMEOUT)
    dash_duo.wait_for_element("#clusters-table table, #clusters-empty", timeout=TIMEOUT)
    _assert_accessible(dash_duo)
    _type(dash_duo, "#clusters-new-name", f"Korøvelse {surname}")
    _choose(dash_duo, "#clusters-new-kind", "event")
    _type(dash_duo, "#clusters-new-start-date", _nb(demo_today - dt.timedelta(days=3)))
    _type(dash_duo, "#clusters-new-address", "Kirkeveien 1, Oslo")
    _click(dash_duo, "#clusters-create-button")
    cluster_id = _wait_url(dash_duo, CLUSTER_URL)
    dash_duo.wait_for_text_to_equal("#cluster-heading", f"Korøvelse {surname}", timeout=TIMEOUT)

    # And they add two new close contacts from the index case, both linked to the cluster
    _open_person(dash_duo, base, index_id, index_name)
    exposed = demo_today - dt.timedelta(days=3)
    _add_new_contact(dash_duo, *contact_a, first_contact_number, exposed, "event", cluster_id)
    _add_new_contact(dash_duo, *contact_b, second_contact_number, exposed, "household", cluster_id)

    # Then the cluster page lists the index and both contacts
    dash_duo.driver.get(f"{base}/klynge/{cluster_id}")
    dash_duo.wait_for_contains_text("#cluster-members-contacts", " ".join(contact_a), timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#cluster-members-contacts", " ".join(contact_b), timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#cluster-members-index", index_name, timeout=TIMEOUT)
    dash_duo.wait_for_text_to_equal("#cluster-members-contacts-title", "Nærkontakter (2)", timeout=TIMEOUT)
    _assert_accessible(dash_duo)

    # And both contacts are on the worklist "Nærkontakter i dag"
    _find_on_contacts_today(dash_duo, base, [f"{c[1]}, {c[0]}" for c in (contact_a, contact_b)], surname)

    # When they record a follow-up on the first contact
    _open_person(dash_duo, base, index_id, index_name)
    contact_a_id = _link_target(dash_duo, " ".join(contact_a))
    contact_b_id = _link_target(dash_duo, " ".join(contact_b))
    _open_person(dash_duo, base, contact_a_id, " ".join(contact_a))
    _click(dash_duo, ".follow-up-open .person-follow-up-record")
    dash_duo.wait_for_element("#person-follow-up-outcome", timeout=TIMEOUT)
    dash_duo.driver.find_element(By.CSS_SELECTOR, "#person-follow-up-outcome input[value='reached']").click()
    _type(dash_duo, "#person-follow-up-note", "Ingen symptomer, i karantene hjemme.")
    _click(dash_duo, "#person-follow-up-save")
    # Then it is recorded as "Nådd"
    dash_duo.wait_for_contains_text("#person-follow-ups .follow-up-done", "Nådd", timeout=TIMEOUT)
    _assert_accessible(dash_duo)  # a contact's page

    # When they convert the second contact to an index case
    _open_person(dash_duo, base, contact_b_id, " ".join(contact_b))
    _click(dash_duo, ".case-kind-contact.case-status-active .person-case-convert")
    _fill_index_form(dash_duo, demo_today, demo_today - dt.timedelta(days=1))
    # Then the contact case is closed as "Ble indeks" and an index case is active, with the exposure kept
    dash_duo.wait_for_element(".case-kind-index.case-status-active", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text(".case-kind-contact.case-status-closed", "Ble indeks", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#person-exposures-in", index_name, timeout=TIMEOUT)

    # When the Bergen tracer logs in
    dash_duo.find_element("#logout-button").click()
    dash_duo.wait_for_element("#login-submit", timeout=TIMEOUT)
    log_in(dash_duo, base, "sporer.bergen")
    dash_duo.wait_for_contains_text("#home-heading", "Bergen", timeout=TIMEOUT)

    # Then a search by name finds none of the persons
    dash_duo.driver.get(base + "/personer")
    _type(dash_duo, "#persons-search-text", surname)
    _click(dash_duo, "#persons-search-button")
    dash_duo.wait_for_text_to_equal("#persons-no-hits", "Ingen treff.", timeout=TIMEOUT)

    # And none of the person pages nor the cluster page opens
    for person_id in (index_id, contact_a_id, contact_b_id):
        dash_duo.driver.get(f"{base}/person/{person_id}")
        dash_duo.wait_for_text_to_equal("#person-heading", "Ingen tilgang", timeout=TIMEOUT)
        dash_duo.wait_for_element("#person-refused", timeout=TIMEOUT)
        assert surname not in dash_duo.find_element("#person-content").get_attribute("innerText")
    dash_duo.driver.get(f"{base}/klynge/{cluster_id}")
    dash_duo.wait_for_text_to_equal("#cluster-heading", "Ingen tilgang", timeout=TIMEOUT)


def _link_target(dash_duo, name: str) -> int:
    link = dash_duo.driver.find_element(By.LINK_TEXT, name)
    match = PERSON_URL.search(link.get_attribute("href"))
    assert match, link.get_attribute("href")
    return int(match.group(1))


def _find_on_contacts_today(dash_duo, base: str, names: list[str], surname: str) -> None:
    """Open Arbeidslister, choose "Nærkontakter i dag", narrow the server-paged grid to the journey's surname with
    the grid's own name filter (the demo data fills the list), and wait for both contacts ("Etternavn, Fornavn")."""
    dash_duo.driver.get(base + "/arbeidslister")
    WebDriverWait(dash_duo.driver, TIMEOUT).until(
        lambda d: d.find_elements(By.XPATH, "//label[starts-with(normalize-space(.), 'Nærkontakter i dag')]")
    )
    choice = dash_duo.driver.find_element(By.XPATH, "//label[starts-with(normalize-space(.), 'Nærkontakter i dag')]")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", choice)
    choice.click()
    dash_duo.wait_for_element("#worklists-grid .ag-header-cell", timeout=TIMEOUT)
    WebDriverWait(dash_duo.driver, TIMEOUT).until(
        lambda d: d.execute_script(
            "try { const api = dash_ag_grid.getApi('worklists-grid');"
            " return api.getGridOption('context').worklist === 'contacts_today'; } catch (e) { return false; }"
        )
    )
    dash_duo.driver.execute_script(
        "dash_ag_grid.getApi('worklists-grid').setFilterModel("
        "{person_name: {filterType: 'text', type: 'contains', filter: arguments[0]}});",
        surname,
    )
    for name in names:
        dash_duo.wait_for_contains_text("#worklists-grid", name, timeout=TIMEOUT)
