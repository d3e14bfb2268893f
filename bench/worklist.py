"""Benchmark: the worklist "Indeksoppfølging i dag" of Oslo at national scale, app path versus bare SQL.

Builds a store with ``--persons`` persons (default 1,000,000) and ``--cases`` active cases (default 300,000,
plus ``--closed`` closed ones) by bulk insert - ``executemany`` on SQLite, ``COPY`` on PostgreSQL, never the ORM
row by row - spread over the real org-unit tree (data/orgunits.load_reference) by population, with follow-up
dates around today so that "today" has the volume a real outbreak day would have. Then, for an Oslo tracer
(a real user and Actor), it prints the median time of

- the app path: ``tracing.worklists.worklist_page`` in a fresh session, as the grid's callback and the API call it
  (access scope, the page query, the COUNT, shaping the rows), and
- the bare SQL: the very statements that call runs - the org-unit look-up, the page and the COUNT
  (``tracing.worklists.statements_for``) - compiled once and executed on the DBAPI cursor,

and their ratio (goal: <= 1.5). It never asserts; it prints. Not part of the test suite.

    .venv/bin/python bench/worklist.py                       # both backends, full scale
    .venv/bin/python bench/worklist.py --persons 100000 --cases 30000 --closed 20000 --backend sqlite
    BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/worklist.py --backend postgresql

PostgreSQL: BENCH_DATABASE_URL (or DATABASE_URL) if set - the bench creates its tables there, so point it at
an empty, throw-away database - else a throw-away cluster from tests/pg.py (needs Debian's postgresql).
SQLite planning has no statistics (the app never runs ANALYZE); PostgreSQL is ANALYZEd after the load.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gc
import itertools
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from auth.actor import Actor, load_actor  # noqa: E402
from auth.users import create_user  # noqa: E402
from data.clock import today_oslo  # noqa: E402
from data.db import Store  # noqa: E402
from data.migrate import upgrade  # noqa: E402
from data.models import OrgUnit, User  # noqa: E402
from data.names import fold_name  # noqa: E402
from data.orgunits import OSLO, load_reference  # noqa: E402
from data.queries.worklists import scope_units_statement  # noqa: E402
from tracing.worklists import scope_of, statements_for, worklist_page  # noqa: E402

WORKLIST = "index_today"
CHUNK = 50_000
SEED = 20261123
UTC = dt.timezone.utc

FIRST_NAMES = (
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde", "Anna", "Solveig",
    "Marianne", "Randi", "Ida", "Nora", "Emma", "Sofie", "Ingeborg", "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell",
    "Knut", "Arne", "Svein", "Hans", "Geir", "Terje", "Thomas", "Jonas", "Martin", "Andreas", "Kristian", "Emil",
    "Henrik", "Jakob", "Øystein", "Åse", "Mohammed", "Ali", "Fatima", "Aisha", "Piotr", "Anna-Lena", "Tor", "Sigrid",
)
LAST_NAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen",
    "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl",
    "Jørgensen", "Henriksen", "Lund", "Halvorsen", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand",
    "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen",
    "Lie", "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde", "Solheim", "Berge", "Moe", "Nygård", "Ødegård",
)
# Next follow-up relative to today for active cases: most are due today, a tail is overdue, some are ahead,
# and a few have none open (their period just ended and they wait to be closed).
DUE_OFFSETS = ((0, 52), (-1, 9), (-2, 4), (-3, 2), (-5, 1), (1, 16), (2, 9), (None, 7))

PERSON_COLUMNS = (
    "id", "national_id", "first_name", "middle_name", "last_name", "name_key", "birth_date", "sex", "phone",
    "home_org_unit_id", "source", "created_at", "updated_at", "version",
)
CASE_COLUMNS = (
    "id", "person_id", "kind", "org_unit_id", "status", "outcome", "enrolled_at", "closed_at", "self_registered",
    "rule_set", "isolation_start", "isolation_end", "quarantine_start", "quarantine_end", "test_date", "asymptomatic",
    "assigned_to_id", "next_follow_up", "chain_id", "created_at", "updated_at", "version",
)


# ---------------------------------------------------------------------------------------------------------
# The synthetic country


def _units(session: Any) -> tuple[list[int], list[float], dict[int, str]]:
    """Org units where persons live and cases are enrolled, with population weights.

    Kommuner with bydeler (Oslo, Bergen, Trondheim, Stavanger) spread over their bydeler, and keep a tenth at
    kommune level (cases registered before the bydel was known)."""
    rows = session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.level, OrgUnit.parent_id, OrgUnit.population).where(OrgUnit.level >= 3)).all()
    bydeler: dict[int, list[tuple[int, int]]] = {}
    for uid, _code, level, parent, population in rows:
        if level == 4:
            bydeler.setdefault(parent, []).append((uid, population or 0))
    ids, weights, codes = [], [], {}
    for uid, code, level, _parent, population in rows:
        codes[uid] = code
        if level != 3:
            continue
        population = population or 0
        if uid in bydeler:
            parts = bydeler[uid]
            total = sum(p for _, p in parts) or 1
            ids.append(uid)
            weights.append(population * 0.1)
            for bid, p in parts:
                ids.append(bid)
                weights.append(population * 0.9 * p / total)
        else:
            ids.append(uid)
            weights.append(population)
    return ids, list(itertools.accumulate(weights)), codes


def _stamp(moment: dt.datetime, dialect: str) -> Any:
    """A naive-UTC timestamp as the column stores it (SQLite: SQLAlchemy's text format)."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else naive


def _day(value: dt.date | None, dialect: str) -> Any:
    if value is None:
        return None
    return value.isoformat() if dialect == "sqlite" else value


def _persons(n: int, units: list[int], cum: list[float], today: dt.date, dialect: str, home: array) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(SEED)
    keys: dict[tuple[str, str], str] = {}
    now = _stamp(dt.datetime.combine(today, dt.time(6), tzinfo=UTC), dialect)
    total = cum[-1]
    for pid in range(1, n + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        key = keys.get((first, last))
        if key is None:
            key = keys[(first, last)] = fold_name(first, None, last)
        unit = units[bisect.bisect_left(cum, rng.random() * total)]
        home[pid] = unit
        birth = today - dt.timedelta(days=rng.randint(0, 95 * 365))
        phone = f"{rng.choice('49')}{rng.randint(0, 9_999_999):07d}" if rng.random() < 0.8 else None
        yield (pid, None, first, None, last, key, _day(birth, dialect), rng.choice(("female", "male")), phone, unit,
               "import", now, now, 1)


def _cases(
    n_active: int, n_closed: int, n_persons: int, home: array, units: list[int], cum: list[float], today: dt.date,
    dialect: str, tracers: dict[int, list[int]],
) -> Iterator[tuple[Any, ...]]:
    """Active cases for distinct persons (the one-active-per-kind rule holds), then closed ones for anybody."""
    rng = random.Random(SEED + 1)
    offsets, weights = zip(*DUE_OFFSETS, strict=True)
    due_cum = list(itertools.accumulate(weights))
    total = cum[-1]
    active_persons = rng.sample(range(1, n_persons + 1), n_active)
    cid = 0
    for i in range(n_active + n_closed):
        cid += 1
        active = i < n_active
        pid = active_persons[i] if active else rng.randint(1, n_persons)
        unit = home[pid] if rng.random() < 0.9 else units[bisect.bisect_left(cum, rng.random() * total)]
        kind = "index" if rng.random() < 0.4 else "contact"
        if active:
            enrolled = today - dt.timedelta(days=rng.randint(0, 9))
            offset = offsets[bisect.bisect_left(due_cum, rng.random() * due_cum[-1])]
            due = today + dt.timedelta(days=offset) if offset is not None else None
            status, outcome, closed_at = "active", None, None
        else:
            enrolled = today - dt.timedelta(days=rng.randint(10, 400))
            due, status, outcome = None, "closed", "completed"
            closed_at = _stamp(dt.datetime.combine(enrolled + dt.timedelta(days=9), dt.time(12), tzinfo=UTC), dialect)
        start = enrolled - dt.timedelta(days=1)
        end = start + dt.timedelta(days=5 if kind == "index" else 7)
        staff = tracers.get(unit)
        assigned = rng.choice(staff) if staff and rng.random() < 0.6 else None
        at = _stamp(dt.datetime.combine(enrolled, dt.time(9, rng.randint(0, 59)), tzinfo=UTC), dialect)
        index = kind == "index"
        yield (
            cid, pid, kind, unit, status, outcome, at, closed_at, False, "standard",
            _day(start, dialect) if index else None, _day(end, dialect) if index else None,
            None if index else _day(start, dialect), None if index else _day(end, dialect),
            _day(start, dialect) if index else None, False, assigned, _day(due, dialect), rng.randint(1, max(1, n_active // 4)),
            at, at, 1,
        )


def _chunks(rows: Iterable[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _bulk_insert(store: Store, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """executemany on SQLite, COPY on PostgreSQL; returns the number of rows."""
    n = 0
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        quoted = f'"{table}"'
        if store.dialect == "sqlite":
            sql = f"INSERT INTO {quoted} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            for chunk in _chunks(rows):
                cursor.executemany(sql, chunk)
                n += len(chunk)
        else:
            with cursor.copy(f"COPY {quoted} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        raw.commit()
    finally:
        raw.close()
    return n


def build(store: Store, persons: int, active: int, closed: int, today: dt.date) -> int:
    """Schema, org units, one tracer per big unit (the Oslo one is returned), persons and cases."""
    upgrade(store.engine)
    with store.session() as session:
        load_reference(session)
        oslo_tracer = create_user(session, "bench.oslo", "bench-passord", display_name="Bench Sporer (Oslo)", grants=[("smittesporer", OSLO)])
        colleagues = [
            create_user(session, f"bench.oslo{i}", "bench-passord", display_name=f"Bench Kollega {i} (Oslo)", grants=[("smittesporer", OSLO)])
            for i in range(1, 4)
        ]
        session.flush()
        oslo_tracer_id = oslo_tracer.id
        oslo_staff = [oslo_tracer.id, *(c.id for c in colleagues)]
        units, cum, codes = _units(session)
    tracers = {uid: oslo_staff for uid, code in codes.items() if code.startswith(OSLO)}
    home = array("i", [0]) * (persons + 1)
    _bulk_insert(store, "person", PERSON_COLUMNS, _persons(persons, units, cum, today, store.dialect, home))
    _bulk_insert(store, "case", CASE_COLUMNS, _cases(active, closed, persons, home, units, cum, today, store.dialect, tracers))
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            for table in ("person", "case"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"))
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return oslo_tracer_id


# ---------------------------------------------------------------------------------------------------------
# Timing


def _medians_ms(fns: Sequence[Callable[[], Any]], repeat: int, warmup: int = 3) -> list[float]:
    """Median wall time of each function, run in turns so that a busy machine slows them alike."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    gc.collect()
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) * 1000 for t in times]


def _raw(store: Store, statement: Any) -> tuple[str, Any]:
    """The statement compiled once for the store's DBAPI, with its bound values processed as SQLAlchemy would."""
    compiled = statement.compile(dialect=store.engine.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    processors = compiled._bind_processors  # the type conversions SQLAlchemy applies (dates to text on SQLite)
    values = {k: (processors[k](v) if k in processors else v) for k, v in params.items()}
    if compiled.positiontup is not None:
        return str(compiled), [values[k] for k in compiled.positiontup]
    return str(compiled), values


SCENARIOS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("first page, default sort", {}),
    ("first page, sorted by name", {"sort": [("person_name", "asc")]}),
    ("first page, name filter 'hansen'", {"filters": {"person_name": {"filterType": "text", "type": "contains", "filter": "hansen"}}}),
    ("page at row 5 000", {"start": 5000, "end": 5100}),
)


def _scenario(store: Store, actor: Actor, today: dt.date, cursor: Any, repeat: int, kw: dict[str, Any]) -> tuple[float, float, float, int]:
    """(app ms, bare ms, COUNT ms, total) for one way of asking for the list."""
    kw = dict(kw)
    start, end = kw.pop("start", 0), kw.pop("end", 100)
    units_sql, units_params = _raw(store, scope_units_statement(scope_of(actor)))
    with store.session() as session:
        statements = statements_for(session, actor, WORKLIST, start=start, end=end, today=today, **kw)
    page_sql, page_params = _raw(store, statements.page)
    count_sql, count_params = _raw(store, statements.count)

    def app() -> Any:
        with store.session() as session:
            return worklist_page(session, actor, WORKLIST, start=start, end=end, today=today, **kw)

    def bare() -> Any:
        cursor.execute(units_sql, units_params)
        cursor.fetchall()
        cursor.execute(page_sql, page_params)
        rows = cursor.fetchall()
        cursor.execute(count_sql, count_params)
        return rows, cursor.fetchall()

    def bare_count() -> Any:
        cursor.execute(count_sql, count_params)
        return cursor.fetchall()

    page = app()
    rows, counted = bare()
    if [r[0] for r in rows] != [r[page_key(page)] for r in page.rows] or counted[0][0] != page.total:
        raise RuntimeError("the app path and the bare SQL returned different rows; the comparison would be meaningless")
    app_ms, bare_ms, count_ms = _medians_ms((app, bare, bare_count), repeat)
    return app_ms, bare_ms, count_ms, page.total


def measure(store: Store, actor: Actor, today: dt.date, repeat: int) -> list[tuple[str, float, float, float, int]]:
    results = []
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for label, kw in SCENARIOS:
            results.append((label, *_scenario(store, actor, today, cursor, repeat, kw)))
    finally:
        raw.close()
    return results


def page_key(page: Any) -> str:
    return "result_id" if page.rows and "result_id" in page.rows[0] else "case_id"


def _plan(store: Store, actor: Actor, today: dt.date) -> str:
    with store.session() as session:
        statements = statements_for(session, actor, WORKLIST, today=today)
    sql, params = _raw(store, statements.page)
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if store.dialect == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "; ".join(r[3] for r in cursor.fetchall())
        cursor.execute("EXPLAIN " + sql, params)
        return "\n      ".join(r[0] for r in cursor.fetchall())
    finally:
        raw.close()


def _existing_tracer(store: Store) -> int | None:
    try:
        with store.session() as session:
            return session.scalar(select(User.id).where(User.username == "bench.oslo"))
    except Exception:  # noqa: BLE001 - no schema yet
        return None


def run(store: Store, label: str, args: argparse.Namespace, today: dt.date) -> None:
    t0 = time.perf_counter()
    user_id = _existing_tracer(store) if args.reuse else None
    if user_id is None:
        user_id = build(store, args.persons, args.cases, args.closed, today)
    load_s = time.perf_counter() - t0
    with store.session() as session:
        actor = load_actor(session, user_id)
        version = session.execute(text("select sqlite_version()" if store.dialect == "sqlite" else "show server_version")).scalar_one()
    assert actor is not None
    print(f"\n{label} {version}: {'reused' if args.reuse and load_s < 5 else f'loaded in {load_s:.1f} s'}")
    results = measure(store, actor, today, args.repeat)
    print(f"  Oslo, \"Indeksoppfølging i dag\" ({WORKLIST}), median of {args.repeat}:")
    print(f"  {'scenario':<36}{'rows':>7}{'app path':>12}{'bare SQL':>12}{'ratio':>7}{'(COUNT alone)':>16}")
    for name, app_ms, bare_ms, count_ms, total in results:
        print(f"  {name:<36}{total:>7}{app_ms:>9.2f} ms{bare_ms:>9.2f} ms{app_ms / bare_ms:>7.2f}{count_ms:>13.2f} ms")
    print(f"  plan: {_plan(store, actor, today)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=300_000, help="active cases")
    parser.add_argument("--closed", type=int, default=200_000, help="closed cases besides the active ones")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sqlite-path", help="where to build the SQLite store (default: a temporary file, removed)")
    parser.add_argument("--reuse", action="store_true", help="measure a store an earlier run built (--sqlite-path, BENCH_DATABASE_URL)")
    args = parser.parse_args(argv)
    if args.cases > args.persons:
        parser.error("--cases must not exceed --persons (one active case per person)")
    today = today_oslo()
    print(
        f"Smittespor worklist bench: {args.persons:,} persons, {args.cases:,} active + {args.closed:,} closed cases, "
        f"today {today}; Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )

    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="smittespor-bench-") as tmp:
            path = Path(args.sqlite_path) if args.sqlite_path else Path(tmp) / "bench.sqlite"
            if path.exists() and not args.reuse:
                raise SystemExit(f"{path} exists; the bench builds a new store (or measures it again with --reuse)")
            store = Store(f"sqlite:///{path}")
            try:
                run(store, "SQLite", args, today)
            finally:
                store.dispose()

    if args.backend in ("postgresql", "both"):
        url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
        cluster = None
        if not url:
            from tests import pg

            if not pg.available():
                print("\nPostgreSQL: skipped (no BENCH_DATABASE_URL and no local PostgreSQL to start)")
                return
            cluster = pg.start()
            cluster.execute("CREATE DATABASE bench")
            url = cluster.url("bench")
        elif url.startswith(("postgres://", "postgresql://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        store = Store(url)
        try:
            run(store, "PostgreSQL", args, today)
        finally:
            store.dispose()
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
