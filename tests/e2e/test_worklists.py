"""Arbeidslister in headless Chromium: the server-paged grid, sorting, the column chooser, views, export, bulk
assignment, and no WCAG 2.1 A/AA violations. The demo store is shared with the other browser tests, so nothing
here changes a case: the bulk assignment gives a case to the tracer it already belongs to."""

from __future__ import annotations

import datetime as dt
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

from data.db import Store
from tests.e2e.browser import axe_violations, log_in, start

TIMEOUT = 15
GRID = "worklists-grid"
OSLO_PATH = "/NO/03/0301/"


def _index_today(db_url: str, today: dt.date) -> tuple[int, list[int]]:
    """Oslo's "Indeksoppfølging i dag" in plain SQL: how many, and the case numbers in the list's default order."""
    store = Store(db_url)
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                'SELECT c.id FROM "case" c JOIN org_unit o ON o.id = c.org_unit_id WHERE o.path LIKE :p '
                "AND c.status = 'active' AND c.kind = 'index' AND c.next_follow_up <= :d ORDER BY c.next_follow_up, c.id"
            ),
            {"p": OSLO_PATH + "%", "d": today},
        ).scalars().all()
    store.dispose()
    assert rows, "the demo data should give Oslo index follow-ups today"
    return len(rows), list(rows)


def _grid(dash_duo, script: str, *args):  # type: ignore[no-untyped-def]
    return dash_duo.driver.execute_script(f"const api = dash_ag_grid.getApi('{GRID}'); {script}", *args)


def _first_case_ids(dash_duo, n: int = 5) -> list[int]:
    return _grid(
        dash_duo,
        "const out = []; for (let i = 0; i < arguments[0]; i++) { const node = api.getDisplayedRowAtIndex(i);"
        " if (!node || !node.data) break; out.push(node.data.case_id); } return out;",
        n,
    )


def _wait_first(dash_duo, expected: list[int]) -> None:
    WebDriverWait(dash_duo.driver, TIMEOUT).until(lambda _d: _first_case_ids(dash_duo, len(expected)) == expected)


def _open_worklists(dash_duo, base: str) -> None:
    log_in(dash_duo, base, "sporer.oslo")
    dash_duo.wait_for_contains_text("#shell-user", "Oslo", timeout=TIMEOUT)
    dash_duo.driver.get(base + "/arbeidslister")
    dash_duo.wait_for_element(f"#{GRID} .ag-header-cell", timeout=TIMEOUT)


def _click(dash_duo, element) -> None:  # type: ignore[no-untyped-def]
    dash_duo.driver.execute_script(
        "document.documentElement.style.scrollBehavior = 'auto'; arguments[0].scrollIntoView({block: 'center'});", element
    )
    element.click()


def test_tracer_pages_sorts_and_chooses_columns_in_todays_index_list(dash_duo, demo_db_url, demo_today):
    base = start(dash_duo, demo_db_url)
    total, ordered = _index_today(demo_db_url, demo_today)

    # Given sporer.oslo on Arbeidslister
    _open_worklists(dash_duo, base)

    # Then "Indeksoppfølging i dag" is chosen, with Oslo's count, and its first rows come in the list's order
    dash_duo.wait_for_contains_text("#worklists-total", f"{total} sak", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#worklists-chooser", f"Indeksoppfølging i dag ({total})", timeout=TIMEOUT)
    _wait_first(dash_duo, ordered[:5])
    # and the browser holds only the first block the server sent, never the whole table
    blocks = _grid(dash_duo, "return api.getCacheBlockState();")
    assert [(b["startRow"], b["endRow"]) for b in blocks.values()] == [(0, 100)]
    assert _grid(dash_duo, "return api.getDisplayedRowCount();") == total
    # each name links to the person page
    link = dash_duo.find_element(f"#{GRID} .ag-row[row-index='0'] [col-id='person_name'] a")
    assert "/person/" in link.get_attribute("href")

    # When the tracer sorts by case number, twice
    header = dash_duo.find_element(f"#{GRID} .ag-header-cell[col-id='case_id'] .ag-header-cell-label")
    _click(dash_duo, header)
    _wait_first(dash_duo, sorted(ordered)[:3])
    _click(dash_duo, header)
    # then the server sorts the whole list, not just the rows in the browser
    _wait_first(dash_duo, sorted(ordered, reverse=True)[:3])

    # When the tracer hides "Telefon" in the column chooser
    assert dash_duo.find_elements(f"#{GRID} .ag-header-cell[col-id='phone']")
    _click(dash_duo, dash_duo.find_element("#worklists-columns-toggle"))
    phone = dash_duo.driver.find_element(By.XPATH, "//fieldset[legend='Synlige kolonner']//label[normalize-space(.)='Telefon']")
    _click(dash_duo, phone)
    # then the column leaves the grid
    WebDriverWait(dash_duo.driver, TIMEOUT).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f"#{GRID} .ag-header-cell[col-id='phone']")
    )

    # And the page has no WCAG 2.1 A/AA violations and fetched nothing from outside the app
    assert axe_violations(dash_duo.driver) == []
    resources = dash_duo.driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    assert [r for r in resources if not r.startswith(base)] == []


def _audit_count(db_url: str, action: str) -> int:
    store = Store(db_url)
    with store.engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}).scalar_one()
    store.dispose()
    return n


def _wait_for(predicate, timeout: float = TIMEOUT) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_views_export_and_bulk_assignment_are_wired_to_the_server(dash_duo, demo_db_url, demo_today):
    base = start(dash_duo, demo_db_url)
    _open_worklists(dash_duo, base)
    dash_duo.wait_for_contains_text("#worklists-total", "sak", timeout=TIMEOUT)

    # Switching to "Nærkontakter i dag" reloads the grid from that list
    choice = dash_duo.driver.find_element(By.XPATH, "//label[starts-with(normalize-space(.), 'Nærkontakter i dag')]")
    _click(dash_duo, choice)
    dash_duo.wait_for_contains_text("#worklists-total", "Nærkontakter i dag", timeout=TIMEOUT)
    WebDriverWait(dash_duo.driver, TIMEOUT).until(
        lambda _d: _grid(dash_duo, "const n = api.getDisplayedRowAtIndex(0); return n && n.data ? n.data.kind : null;")
        == "Nærkontakt"
    )

    # A view saved under a name can be chosen again
    dash_duo.find_element("#worklists-view-name").send_keys("Kontakter e2e")
    _click(dash_duo, dash_duo.find_element("#worklists-view-save"))
    dash_duo.wait_for_contains_text("#worklists-alert", "er lagret", timeout=TIMEOUT)
    options = [o.text for o in Select(dash_duo.find_element("#worklists-views")).options]
    assert "Kontakter e2e" in options
    _click(dash_duo, dash_duo.find_element("#worklists-view-load"))
    dash_duo.wait_for_contains_text("#worklists-alert", "er i bruk", timeout=TIMEOUT)
    _click(dash_duo, dash_duo.find_element("#worklists-view-delete"))
    dash_duo.wait_for_contains_text("#worklists-alert", "er slettet", timeout=TIMEOUT)

    # Exporting the view writes an audit event
    before = _audit_count(demo_db_url, "export")
    _click(dash_duo, dash_duo.find_element("#worklists-export-csv"))
    _wait_for(lambda: _audit_count(demo_db_url, "export") == before + 1)

    # Selecting a row enables the bulk actions; assigning it to its own tracer reports success
    index = _grid(
        dash_duo,
        "for (let i = 0; i < 100; i++) { const n = api.getDisplayedRowAtIndex(i); if (!n || !n.data) return null;"
        " if (n.data.assigned_to_name) { n.setSelected(true); return [i, n.data.assigned_to_name]; } } return null;",
    )
    assert index is not None, "a demo contact should have a tracer"
    dash_duo.wait_for_text_to_equal("#worklists-selected", "1 sak valgt", timeout=TIMEOUT)
    Select(dash_duo.find_element("#worklists-assignee")).select_by_visible_text(index[1])
    _click(dash_duo, dash_duo.find_element("#worklists-assign"))
    dash_duo.wait_for_contains_text("#worklists-alert", "1 sak tildelt", timeout=TIMEOUT)
    assert axe_violations(dash_duo.driver) == []
