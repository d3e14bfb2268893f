"""Helpers for the browser tests: starting the app on the demo store, logging in, and axe-core checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from app import create_dash

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def start(dash_duo: Any, db_url: str) -> str:
    """Serve the app on ``db_url`` in demo mode; returns the base URL (no trailing slash).

    ``navigate=False``: dash_duo would wait for Dash's root element on "/", but an anonymous visitor is sent to the
    server-rendered login page, which has none.
    """
    app = create_dash({"DATABASE_URL": db_url, "DEMO": True, "SECRET_KEY": "browser-tests"})
    dash_duo.start_server(app, navigate=False)
    return dash_duo.server.url.rstrip("/")


def log_in(dash_duo: Any, base: str, username: str, password: str = "demo") -> None:
    dash_duo.driver.get(base + "/logg-inn")
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("#login-submit").click()


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page for WCAG 2.1 A and AA rules and return the violations."""
    if not AXE_JS.exists():
        raise RuntimeError("axe-core is missing: run `npm ci` (make test does)")
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));",
        WCAG_21_AA,
    )
    return list(result)


def text_of(dash_duo: Any, selector: str) -> str:
    return dash_duo.driver.find_element(By.CSS_SELECTOR, selector).text
