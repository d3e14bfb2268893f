"""Shared fixtures: stores on SQLite and on a throw-away PostgreSQL cluster, the demo store, and browser options.

``store`` is parametrised over both backends, so every integration test that takes it runs twice. Each test gets
its own database copied from a migrated template, which keeps tests independent and fast.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.db import Store
from data.migrate import upgrade
from data.orgunits import load_reference
from tests import pg

IN_CI = os.environ.get("CI", "").lower() == "true"
DEMO_SEED = 2026
DEMO_PERSONS = 800


def _prepare(store: Store) -> None:
    upgrade(store.engine)
    with store.session() as session:
        load_reference(session)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    store = Store(f"sqlite:///{path}")
    _prepare(store)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster | str]:
    """The cluster started for this run, or TEST_DATABASE_URL's server when that is set."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    if not pg.available():
        if IN_CI:
            pytest.fail("PostgreSQL is not installed; under CI=true that is a failure, not a skip")
        pytest.skip("PostgreSQL is not installed (run `make test` as root to install it)")
    cluster = pg.start()
    try:
        cluster.execute("CREATE DATABASE smittespor_template")
        template = Store(cluster.url("smittespor_template"))
        _prepare(template)
        template.dispose()
        yield cluster
    finally:
        cluster.stop()


_db_numbers = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store with the org-unit tree loaded, empty otherwise."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        s = Store(f"sqlite:///{path}")
        yield s
        s.dispose()
        return
    cluster = request.getfixturevalue("pg_cluster")
    if isinstance(cluster, str):  # an external server: migrate it and use it as it is
        s = Store(cluster)
        _prepare(s)
        yield s
        s.dispose()
        return
    name = f"test_{next(_db_numbers)}"
    cluster.execute(f"CREATE DATABASE {name} TEMPLATE smittespor_template")
    s = Store(cluster.url(name))
    yield s
    s.dispose()
    cluster.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def demo_today() -> dt.date:
    from data.clock import today_oslo

    return today_oslo()


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    """A SQLite store with demo users and demo data, built once per run for the browser tests."""
    from app import refresh_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    s = Store(url)
    refresh_demo(s, seed=DEMO_SEED, persons=DEMO_PERSONS)
    s.dispose()
    return url


def pytest_setup_options():  # type: ignore[no-untyped-def]
    """Chromium options for dash[testing]: headless-safe as root, and no background calls out of the machine."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    if Path("/usr/bin/chromium").exists():
        options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--lang=nb-NO",
    ):
        options.add_argument(arg)
    return options
