"""Take the user guide's screenshots from the real app on demo data (headless Chromium).

    .venv/bin/python docs/make_screenshots.py

Builds a throw-away demo store under a temp dir, serves the app on a free local port, logs in as demo users
and saves PNGs to docs/screenshots/.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_dash, refresh_demo, store_of  # noqa: E402
from tests.conftest import pytest_setup_options  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def _examples(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """An Oslo index case's person with contacts, and the Oslo cluster with most members."""
    from sqlalchemy import func, select

    from data.models import Case, Cluster, ClusterMember, Exposure, OrgUnit

    with store_of(app.server).session() as s:
        oslo = OrgUnit.path.startswith("/NO/03/0301/")
        person_id = s.scalar(
            select(Case.person_id)
            .join(OrgUnit, Case.org_unit_id == OrgUnit.id)
            .join(Exposure, Exposure.source_case_id == Case.id)
            .where(oslo, Case.kind == "index", Case.status == "active")
            .group_by(Case.person_id)
            .order_by(func.count().desc(), Case.person_id)
            .limit(1)
        )
        cluster_id = s.scalar(
            select(Cluster.id)
            .join(OrgUnit, Cluster.org_unit_id == OrgUnit.id)
            .join(ClusterMember, ClusterMember.cluster_id == Cluster.id)
            .where(oslo)
            .group_by(Cluster.id)
            .order_by(func.count().desc(), Cluster.id)
            .limit(1)
        )
    return person_id, cluster_id


def _log_in(driver, wait, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    driver.delete_all_cookies()
    driver.get(base + "/logg-inn")
    wait.until(ec.presence_of_element_located((By.ID, "login-submit")))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys("demo")
    driver.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "shell-user")))


def _doctor_pages(driver, wait, base: str) -> None:  # type: ignore[no-untyped-def]
    """The kommuneoverlege's pages: the spread explorer (with a node's panel open), suggestions, import."""
    _log_in(driver, wait, base, "overlege.oslo")
    driver.set_window_size(1280, 1500)
    driver.get(base + "/smittespredning")
    wait.until(lambda d: d.execute_script(
        "const el = document.getElementById('spread-network');"
        "return el && el._cyreg && el._cyreg.cy && el._cyreg.cy.nodes().length > 0;"
    ))
    time.sleep(2.0)
    driver.save_screenshot(str(OUT / "spread.png"))
    driver.execute_script(
        "const cy = document.getElementById('spread-network')._cyreg.cy;"
        "const n = cy.nodes('[kind = \"became-case\"]').first(); (n.length ? n : cy.nodes().first()).emit('tap');"
    )
    time.sleep(2.0)
    driver.save_screenshot(str(OUT / "spread-panel.png"))
    for name, path, ready in (
        ("suggestions", "/klyngeforslag", (By.ID, "suggestions-list")),
        ("linelist", "/linjeliste", (By.ID, "linelist-import")),
    ):
        driver.get(base + path)
        wait.until(ec.presence_of_element_located(ready))
        time.sleep(1.5)
        driver.save_screenshot(str(OUT / f"{name}.png"))
    driver.set_window_size(1280, 900)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_dash({"DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite", "DEMO": True, "SECRET_KEY": "screenshots"})
        refresh_demo(store_of(app.server), persons=3000)
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        options = pytest_setup_options()
        options.add_argument("--headless")
        driver = webdriver.Chrome(options=options)
        wait = WebDriverWait(driver, 15)
        try:
            driver.get(base + "/logg-inn")
            wait.until(ec.presence_of_element_located((By.ID, "login-submit")))
            driver.save_screenshot(str(OUT / "login.png"))
            driver.find_element(By.ID, "username").send_keys("sporer.oslo")
            driver.find_element(By.ID, "password").send_keys("demo")
            driver.find_element(By.ID, "login-submit").click()
            wait.until(ec.text_to_be_present_in_element((By.ID, "home-heading"), "Oslo"))
            time.sleep(0.5)
            driver.save_screenshot(str(OUT / "home.png"))
            person_id, cluster_id = _examples(app)
            for name, path, ready in (
                ("worklists", "/arbeidslister", (By.CSS_SELECTOR, ".ag-row")),
                ("persons", "/personer", (By.ID, "persons-search-text")),
                ("person", f"/person/{person_id}", (By.CSS_SELECTOR, ".case-card")),
                ("clusters", "/klynger", (By.ID, "clusters-table")),
                ("cluster", f"/klynge/{cluster_id}", (By.ID, "cluster-members-contacts")),
            ):
                driver.get(base + path)
                wait.until(ec.presence_of_element_located(ready))
                time.sleep(1.0)
                driver.save_screenshot(str(OUT / f"{name}.png"))
            _doctor_pages(driver, wait, base)
        finally:
            driver.quit()
            server.shutdown()
    print(f"Saved screenshots in {OUT}")


if __name__ == "__main__":
    main()
