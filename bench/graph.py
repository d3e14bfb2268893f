"""Benchmark: one transmission chain of 2,000 / 20,000 / 200,000 cases, from the store to Cytoscape elements.

For each size N it builds a throw-away store holding a single chain of N index cases (N - 1 of them first
registered as close contacts of their infector) with 3 N close contacts who never became cases, plus background
noise - N / 2 more cases in small chains of 1-12 cases, 60 % in Oslo and 40 % in other kommuner, each with 0-4
contacts - and clusters with members. Rows go in by bulk Core inserts (``insert(table)`` with a list of rows per
50,000), never the ORM row by row. Then, for an Oslo kommuneoverlege (a real user and Actor), it prints the median
time of

- the bare SQL: ``data.queries.spread.chain_edges_sql`` (the chain's exposures by its stored chain id), compiled
  once and run on the DBAPI cursor;
- the app path, step by step: ``graph.store.load_graph(session, actor, SpreadScope(chain_id=...))`` in a fresh
  session, ``graph.measures.spread_report`` on that graph, and ``graph.elements.elements`` for the hierarchical
  layout (with the report's chains, as the explorer calls it) - each alone and in total;

their ratio (app / bare SQL), and at the end how each grows from one size to the next (the large/small ratios).
It never asserts; it prints. Not part of the test suite.

    .venv/bin/python bench/graph.py                                  # 2,000, 20,000 and 200,000 on SQLite
    .venv/bin/python bench/graph.py --sizes 2000,20000               # a quicker run
    .venv/bin/python bench/graph.py --postgres postgresql+psycopg://user@host/emptydb   # and on PostgreSQL
    .venv/bin/python bench/graph.py --postgres local                 # PostgreSQL in a cluster from tests/pg.py

PostgreSQL: the bench drops and re-creates the ``public`` schema of the database it is given for every size, so
point it at an empty, throw-away database. It is ``VACUUM ANALYZE``d after each load; SQLite is not ``ANALYZE``d,
as in the app.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, insert, select, text

from auth.actor import Actor, load_actor
from auth.users import create_user
from data.clock import today_oslo
from data.db import Store
from data.migrate import upgrade
from data.models import Case, Cluster, ClusterMember, Exposure, OrgUnit, Person
from data.orgunits import OSLO, load_reference
from data.queries.spread import chain_edges_sql
from graph.elements import elements
from graph.measures import spread_report
from graph.store import SpreadScope, load_graph

SEED = 20261123
CHUNK = 50_000
UTC = dt.UTC
CHAIN_ID = 1  # the measured chain; noise chains are numbered from 2
CONTACTS_PER_CASE = 3
NOISE_SHARE = 0.5  # noise cases per chain case
OTHER_KOMMUNER = ("4601", "5001", "1103", "3201", "1108")  # Bergen, Trondheim, Stavanger, Bærum, Sandnes
SETTINGS = ("household", "household", "household", "school", "kindergarten", "workplace", "event", "other")
CLUSTER_KINDS = {"school": "school", "kindergarten": "kindergarten", "workplace": "workplace", "event": "event"}
LAYOUT = "hierarchical"
STEPS = ("load_graph", "spread_report", "elements")


# ---------------------------------------------------------------------------------------------------------
# The synthetic store


@dataclass
class Rows:
    """Everything the store gets, as plain dicts per table, with ids given here so rows can point at each other."""

    today: dt.date
    person: list[dict[str, Any]] = field(default_factory=list)
    case: list[dict[str, Any]] = field(default_factory=list)
    exposure: list[dict[str, Any]] = field(default_factory=list)
    cluster: list[dict[str, Any]] = field(default_factory=list)
    member: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, Iterator[int]] = field(default_factory=lambda: {t: itertools.count(1) for t in ("person", "case", "exposure", "cluster", "member")})

    def at(self, day: dt.date, hour: int = 9) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)

    def add_person(self, unit: int) -> int:
        pid = next(self.ids["person"])
        now = self.at(self.today, 6)
        self.person.append(
            {"id": pid, "national_id": None, "first_name": "Bench", "middle_name": None, "last_name": f"Person{pid}",
             "name_key": f"bench person{pid}", "sex": "unknown", "home_org_unit_id": unit, "source": "import",
             "created_at": now, "updated_at": now, "version": 1}
        )
        return pid

    def add_case(self, person: int, kind: str, unit: int, chain: int, *, onset: dt.date | None, enrolled: dt.date,
                 became_index: bool = False) -> int:
        cid = next(self.ids["case"])
        recent = (self.today - enrolled).days <= 10
        status = "active" if recent and not became_index else "closed"
        outcome = "became_index" if became_index else (None if status == "active" else "completed")
        at = self.at(enrolled)
        self.case.append(
            {"id": cid, "person_id": person, "kind": kind, "org_unit_id": unit, "status": status, "outcome": outcome,
             "enrolled_at": at, "closed_at": None if status == "active" else self.at(min(enrolled + dt.timedelta(days=10), self.today), 12),
             "symptom_onset": onset, "test_date": onset + dt.timedelta(days=1) if onset else None,
             "asymptomatic": False, "self_registered": False, "chain_id": chain, "next_follow_up": self.today if status == "active" else None,
             "created_at": at, "updated_at": at, "version": 1}
        )
        return cid

    def add_exposure(self, source_case: int, person: int, contact_case: int, day: dt.date, setting: str,
                     cluster: int | None) -> None:
        self.exposure.append(
            {"id": next(self.ids["exposure"]), "source_case_id": source_case, "contact_person_id": person,
             "contact_case_id": contact_case, "exposure_date": day, "setting": setting, "cluster_id": cluster,
             "created_at": self.at(day, 15)}
        )

    def add_cluster(self, unit: int, kind: str, start: dt.date) -> int:
        cid = next(self.ids["cluster"])
        self.cluster.append(
            {"id": cid, "name": f"Bench-klynge {cid}", "kind": kind, "org_unit_id": unit, "start_date": start,
             "end_date": start + dt.timedelta(days=2), "status": "active", "created_at": self.at(start)}
        )
        return cid


def _tree(rng: random.Random, n: int) -> list[int]:
    """Infector of each case (-1 for the first): a random earlier case from a sliding window, so the chain has
    about log(n) * 2 generations and offspring from 0 to a handful, as a real outbreak tree."""
    parent = [-1]
    for i in range(1, n):
        parent.append(rng.randint(int((i - 1) / 2.2), i - 1) if i > 1 else 0)
    return parent


def _chain(rows: Rows, rng: random.Random, n: int, chain_id: int, units: Sequence[int], *, clusters: int,
           contacts: Callable[[], int]) -> None:
    """One chain of ``n`` cases with its contacts, ending yesterday. Each case but the first was registered as a
    contact of its infector (exposed 1-4 days before its onset; the contact case closed as "became_index")."""
    parent = _tree(rng, n)
    offset = [0] * n
    for i in range(1, n):
        offset[i] = offset[parent[i]] + rng.randint(2, 7)
    last = max(offset)
    start = rows.today - dt.timedelta(days=last + 1)
    onsets = [start + dt.timedelta(days=o) for o in offset]
    own = [
        rows.add_cluster(units[0], kind, start + dt.timedelta(days=rng.randint(0, max(1, last // 2))))
        for kind in (rng.choice(list(CLUSTER_KINDS.values())) for _ in range(clusters))
    ]
    index_case: list[int] = []
    for i in range(n):
        unit = rng.choice(units)
        person = rows.add_person(unit)
        onset = onsets[i]
        if i:  # every case after the first was a close contact of its infector first: one single chain
            exposed = onset - dt.timedelta(days=rng.randint(1, 4))
            exposed = max(exposed, onsets[parent[i]] - dt.timedelta(days=1))
            contact_case = rows.add_case(person, "contact", unit, chain_id, onset=None, enrolled=exposed + dt.timedelta(days=1), became_index=True)
            setting = rng.choice(SETTINGS)
            cluster = rng.choice(own) if own and setting in CLUSTER_KINDS and rng.random() < 0.5 else None
            rows.add_exposure(index_case[parent[i]], person, contact_case, exposed, setting, cluster)
        case = rows.add_case(person, "index", unit, chain_id, onset=onset, enrolled=onset + dt.timedelta(days=1))
        index_case.append(case)
        if own and rng.random() < 0.1:
            rows.member.append({"id": next(rows.ids["member"]), "cluster_id": rng.choice(own), "person_id": person,
                                "role": "index", "added_at": rows.at(onset)})
        for _ in range(contacts()):
            contact = rows.add_person(unit)
            day = min(onset + dt.timedelta(days=rng.randint(-2, 2)), rows.today)
            contact_case = rows.add_case(contact, "contact", unit, chain_id, onset=None, enrolled=day + dt.timedelta(days=1))
            rows.add_exposure(case, contact, contact_case, day, rng.choice(SETTINGS), None)


def generate(today: dt.date, n: int, oslo: Sequence[int], elsewhere: Sequence[int]) -> Rows:
    rng = random.Random(SEED + n)
    rows = Rows(today)
    _chain(rows, rng, n, CHAIN_ID, oslo, clusters=max(2, n // 1000), contacts=lambda: CONTACTS_PER_CASE)
    noise, chain_id = int(n * NOISE_SHARE), CHAIN_ID
    while noise > 0:
        size = min(noise, rng.randint(1, 12))
        chain_id += 1
        units = oslo if rng.random() < 0.6 else [rng.choice(elsewhere)]
        _chain(rows, rng, size, chain_id, units, clusters=0, contacts=lambda: rng.randint(0, 4))
        noise -= size
    return rows


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def build(store: Store, n: int, today: dt.date) -> tuple[int, dict[str, int]]:
    """Schema, org units, the kommuneoverlege (returned) and the rows; counts per table."""
    upgrade(store.engine)
    with store.session() as session:
        load_reference(session)
        doctor = create_user(session, "bench.overlege", "bench-passord", display_name="Bench Overlege (Oslo)", grants=[("kommuneoverlege", OSLO)])
        session.flush()
        doctor_id = doctor.id
        oslo = [uid for uid, in session.execute(select(OrgUnit.id).where(OrgUnit.path.like(f"%/{OSLO}/%")))]
        elsewhere = [uid for uid, in session.execute(select(OrgUnit.id).where(OrgUnit.code.in_(OTHER_KOMMUNER)))]
    rows = generate(today, n, oslo, elsewhere)
    tables: list[tuple[Table, list[dict[str, Any]]]] = [
        (Person.__table__, rows.person), (Cluster.__table__, rows.cluster), (Case.__table__, rows.case),
        (Exposure.__table__, rows.exposure), (ClusterMember.__table__, rows.member),
    ]
    with store.engine.begin() as conn:
        for table, data in tables:
            for chunk in _chunks(data):
                conn.execute(insert(table), chunk)
    counts = {table.name: len(data) for table, data in tables}
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            for table, _ in tables:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), (SELECT max(id) FROM \"{table.name}\"))"))
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return doctor_id, counts


# ---------------------------------------------------------------------------------------------------------
# Timing


def _raw(store: Store, statement: Any) -> tuple[str, Any]:
    """The statement compiled once for the store's DBAPI, with its bound values processed as SQLAlchemy would."""
    compiled = statement.compile(dialect=store.engine.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    processors = compiled._bind_processors
    values = {k: (processors[k](v) if k in processors else v) for k, v in params.items()}
    if compiled.positiontup is not None:
        return str(compiled), [values[k] for k in compiled.positiontup]
    return str(compiled), values


@dataclass
class Result:
    size: int
    nodes: int
    edges: int
    edge_rows: int
    bare_ms: float
    step_ms: dict[str, float]
    json_kb: int
    json_ms: float

    @property
    def app_ms(self) -> float:
        return sum(self.step_ms.values())


def measure(store: Store, actor: Actor, today: dt.date, size: int, repeat: int) -> Result:
    sql, params = _raw(store, chain_edges_sql(CHAIN_ID))
    raw = store.engine.raw_connection()
    scope = SpreadScope(chain_id=CHAIN_ID)
    bare: list[float] = []
    steps: dict[str, list[float]] = {s: [] for s in STEPS}
    try:
        cursor = raw.cursor()
        edge_rows = graph = els = None
        for i in range(repeat + 1):  # the first round warms caches and is not counted
            gc.collect()
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            edge_rows = cursor.fetchall()
            t1 = time.perf_counter()
            with store.session() as session:
                graph = load_graph(session, actor, scope, as_of=today)
            t2 = time.perf_counter()
            report = spread_report(graph)
            t3 = time.perf_counter()
            els = elements(graph, LAYOUT, chains=report.chains)
            t4 = time.perf_counter()
            if i:
                bare.append(t1 - t0)
                for step, took in zip(STEPS, (t2 - t1, t3 - t2, t4 - t3), strict=True):
                    steps[step].append(took)
    finally:
        raw.close()
    assert graph is not None and els is not None and edge_rows is not None
    t0 = time.perf_counter()
    payload = json.dumps(els)
    json_ms = (time.perf_counter() - t0) * 1000
    return Result(
        size=size,
        nodes=len(graph.nodes),
        edges=len(graph.edges),
        edge_rows=len(edge_rows),
        bare_ms=statistics.median(bare) * 1000,
        step_ms={s: statistics.median(t) * 1000 for s, t in steps.items()},
        json_kb=len(payload) // 1000,
        json_ms=json_ms,
    )


def _print_result(r: Result) -> None:
    print(f"  chain of {r.size:,} cases: graph {r.nodes:,} nodes, {r.edges:,} edges; bare SQL returns {r.edge_rows:,} rows; "
          f"elements {r.json_kb:,} kB as JSON")
    print(f"    bare SQL fetch of the chain's edges {r.bare_ms:10.1f} ms")
    for step in STEPS:
        print(f"    {step:<36}{r.step_ms[step]:10.1f} ms")
    print(f"    {'app path in total':<36}{r.app_ms:10.1f} ms   ratio app/SQL {r.app_ms / r.bare_ms:6.1f}")
    print(f"    {'(json.dumps of the elements, once)':<36}{r.json_ms:10.1f} ms")


def _print_growth(label: str, results: list[Result]) -> None:
    if len(results) < 2:
        return
    print(f"\n{label}: growth from one size to the next (large/small)")
    head = "".join(f"{f'{a.size:,}->{b.size:,}':>20}" for a, b in itertools.pairwise(results))
    print(f"  {'':<36}{head}")
    rows = [("cases", lambda r: r.size), ("bare SQL", lambda r: r.bare_ms)]
    rows += [(s, lambda r, s=s: r.step_ms[s]) for s in STEPS]
    rows += [("app path in total", lambda r: r.app_ms)]
    for name, value in rows:
        cells = "".join(f"{value(b) / value(a):>19.1f}x" for a, b in itertools.pairwise(results))
        print(f"  {name:<36}{cells}")


def run(store: Store, label: str, size: int, repeat: int, today: dt.date) -> Result:
    t0 = time.perf_counter()
    doctor_id, counts = build(store, size, today)
    load_s = time.perf_counter() - t0
    with store.session() as session:
        actor = load_actor(session, doctor_id)
        version = session.execute(text("select sqlite_version()" if store.dialect == "sqlite" else "show server_version")).scalar_one()
    assert actor is not None
    print(f"\n{label} {version}, chain of {size:,} cases: loaded in {load_s:.1f} s "
          f"({', '.join(f'{v:,} {k}' for k, v in counts.items())}); median of {repeat}")
    result = measure(store, actor, today, size, repeat)
    _print_result(result)
    return result


def _sqlite_runs(sizes: Sequence[int], args: argparse.Namespace, today: dt.date) -> list[Result]:
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="smittespor-bench-graph-") as tmp:
            store = Store(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
            try:
                results.append(run(store, "SQLite", size, _repeat(args, size), today))
            finally:
                store.dispose()
    return results


def _postgres_runs(sizes: Sequence[int], args: argparse.Namespace, today: dt.date) -> list[Result]:
    url, cluster = args.postgres, None
    if url == "local":
        from tests import pg

        if not pg.available():
            print("\nPostgreSQL: skipped (no local PostgreSQL to start)")
            return []
        cluster = pg.start()
        cluster.execute("CREATE DATABASE bench")
        url = cluster.url("bench")
    elif url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    results = []
    try:
        for size in sizes:
            store = Store(url)
            try:
                with store.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
                results.append(run(store, "PostgreSQL", size, _repeat(args, size), today))
            finally:
                store.dispose()
    finally:
        if cluster is not None:
            cluster.stop()
    return results


def _repeat(args: argparse.Namespace, size: int) -> int:
    return args.repeat if args.repeat else (7 if size <= 20_000 else 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000,200000", help="chain sizes in cases, comma-separated")
    parser.add_argument("--repeat", type=int, default=0, help="timed rounds per size (default 7, 3 above 20,000)")
    parser.add_argument("--postgres", metavar="URL", help="also run on this (empty, throw-away) PostgreSQL database; "
                        "'local' starts a cluster from tests/pg.py")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    today = today_oslo()
    print(
        f"Smittespor graph bench: chains of {', '.join(f'{s:,}' for s in sizes)} cases, {CONTACTS_PER_CASE} contacts "
        f"per case, noise {NOISE_SHARE:.0%}; today {today}; Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    if not args.no_sqlite:
        _print_growth("SQLite", _sqlite_runs(sizes, args, today))
    if args.postgres:
        _print_growth("PostgreSQL", _postgres_runs(sizes, args, today))


if __name__ == "__main__":
    main()
