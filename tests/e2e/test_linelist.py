"""Importer linjeliste in headless Chromium: a kommuneoverlege uploads a small line list, sees the progress bar and
then the result, and a faulty file gives the row report; no WCAG 2.1 A/AA violations.

The import runs as a Dash background callback in a worker process, with its disk cache in a temporary directory.
The demo store is shared with the other browser tests, so the outbreak gets a label no other test uses; an
analysis outbreak touches no person or case."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import text

from app import create_dash
from data.db import Store
from tests.e2e.browser import axe_violations, log_in

TIMEOUT = 30
DATA = Path(__file__).resolve().parents[1] / "data" / "linelist"


def _start(dash_duo, db_url: str, tmp_path: Path) -> str:
    app = create_dash(
        {"DATABASE_URL": db_url, "DEMO": True, "SECRET_KEY": "browser-tests", "BACKGROUND_CACHE_DIR": str(tmp_path / "background")}
    )
    dash_duo.start_server(app, navigate=False)
    return dash_duo.server.url.rstrip("/")


def _outbreak(db_url: str, label: str) -> tuple[int, int, int] | None:
    store = Store(db_url)
    with store.engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, case_count, link_count FROM analysis_outbreak WHERE label = :label"), {"label": label}
        ).first()
    store.dispose()
    return tuple(row) if row else None  # type: ignore[return-value]


def _upload(dash_duo, upload_id: str, path: Path) -> None:
    dash_duo.find_element(f"#{upload_id} input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text(f"#{upload_id.replace('upload', 'file')}", path.name, timeout=TIMEOUT)


def _click(dash_duo, selector: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "document.documentElement.style.scrollBehavior = 'auto'; arguments[0].scrollIntoView({block: 'center'});", element
    )
    element.click()


def _set_label(dash_duo, label: str) -> None:
    box = dash_duo.find_element("#linelist-label")
    box.clear()
    box.send_keys(label)


def test_a_doctor_imports_a_line_list_with_progress_and_sees_the_row_report_for_a_bad_file(dash_duo, demo_db_url, tmp_path):
    base = _start(dash_duo, demo_db_url, tmp_path)
    label = f"E2E linjeliste {uuid.uuid4().hex[:8]}"

    # Given overlege.oslo on Importer linjeliste
    log_in(dash_duo, base, "overlege.oslo")
    dash_duo.wait_for_contains_text("#shell-user", "Oslo", timeout=TIMEOUT)
    dash_duo.driver.get(base + "/linjeliste")
    dash_duo.wait_for_text_to_equal("h1", "Importer linjeliste", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#linelist-org-unit", "Oslo", timeout=TIMEOUT)

    # When the doctor uploads a case file and a pair file, names the outbreak and imports
    _upload(dash_duo, "linelist-cases-upload", DATA / "julebord_saker.csv")
    _upload(dash_duo, "linelist-links-upload", DATA / "julebord_par.csv")
    _set_label(dash_duo, label)
    _click(dash_duo, "#linelist-import")

    # Then the progress bar shows, and the result names what was stored with a link to the outbreak's spread
    dash_duo.wait_for_element("#linelist-progress", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#linelist-success", "er importert i Oslo", timeout=TIMEOUT)
    assert dash_duo.find_element("#linelist-progress").is_displayed()
    assert dash_duo.find_element("#linelist-progress").get_attribute("value") == "100"
    assert dash_duo.find_element("#linelist-progress-text").text == "100 %"
    assert "8 tilfeller og 6 smittepar" in dash_duo.find_element("#linelist-success").text
    stored = _outbreak(demo_db_url, label)
    assert stored is not None and stored[1:] == (8, 6)
    link = dash_duo.find_element("#linelist-open-outbreak").get_attribute("href")
    assert link.endswith(f"/smittespredning?utbrudd={stored[0]}")
    assert dash_duo.find_element("#linelist-import").is_enabled()
    assert axe_violations(dash_duo.driver) == []

    # When a faulty file is imported under another label
    other = label + " feil"
    _upload(dash_duo, "linelist-cases-upload", DATA / "julebord_feil.csv")
    _set_label(dash_duo, other)
    _click(dash_duo, "#linelist-import")

    # Then the row report names each faulty row and field, and nothing is stored
    dash_duo.wait_for_element("#linelist-report", timeout=TIMEOUT)
    report = dash_duo.find_element("#linelist-report").text
    assert "symptomstart" in report and "Samme id som rad 2" in report and "kjønn" in report
    assert _outbreak(demo_db_url, other) is None
    assert axe_violations(dash_duo.driver) == []


def test_a_tracer_does_not_get_the_import_page(dash_duo, demo_db_url, tmp_path):
    base = _start(dash_duo, demo_db_url, tmp_path)
    log_in(dash_duo, base, "sporer.oslo")
    dash_duo.wait_for_contains_text("#shell-user", "Oslo", timeout=TIMEOUT)
    dash_duo.driver.get(base + "/linjeliste")
    dash_duo.wait_for_text_to_equal("h1", "Ingen tilgang", timeout=TIMEOUT)
