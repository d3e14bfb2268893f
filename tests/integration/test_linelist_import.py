"""Line-list import on both stores: analysis outbreaks and real cases, all-or-nothing, audited, scoped, and the
outbreak's transmission graph (graph/outbreak.py)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data import national_id
from data.models import (
    AnalysisCase,
    AnalysisLink,
    AnalysisOutbreak,
    AuditEvent,
    Case,
    Cluster,
    ClusterMember,
    Exposure,
    FollowUp,
    Person,
)
from graph.outbreak import find_outbreak, list_outbreaks, load_outbreak_graph
from tests.factories import make_actor, make_case, make_person, unit_id
from tracing.errors import AccessDenied, DomainError
from tracing.linelist import LineListRejected, import_linelist

DATA = Path(__file__).resolve().parents[1] / "data" / "linelist"
TODAY = dt.date(2021, 1, 5)


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _import(s, actor, code="0301", label="Julebord", cases="julebord_saker.csv", links="julebord_par.csv", today=TODAY, **kwargs):
    return import_linelist(
        s, actor, data(cases), cases, data(links) if links else None, links, unit_id(s, code), label, today=today, **kwargs
    )


def _count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))


# --- analysis mode ------------------------------------------------------------------------------------------------


def test_an_analysis_import_stores_the_outbreak_cases_and_pairs_and_nothing_in_the_register(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        persons_before = _count(s, Person)
        result = _import(s, actor)

        assert (result.mode, result.cases, result.links, result.undirected_links, result.clusters) == ("analysis", 8, 6, 0, 1)
        outbreak = s.get(AnalysisOutbreak, result.outbreak_id)
        assert (outbreak.label, outbreak.mode, outbreak.case_count, outbreak.link_count) == ("Julebord", "analysis", 8, 6)
        assert (outbreak.cases_file, outbreak.links_file, outbreak.created_by_id) == ("julebord_saker.csv", "julebord_par.csv", actor.user_id)
        rows = {c.external_id: c for c in s.scalars(select(AnalysisCase).where(AnalysisCase.outbreak_id == outbreak.id))}
        assert sorted(rows) == [str(i) for i in range(1, 9)]
        assert (rows["5"].symptom_onset, rows["5"].test_date, rows["5"].kommune_code, rows["5"].sex) == (None, dt.date(2020, 12, 23), "3201", "female")
        assert (rows["6"].test_date, rows["6"].kommune_code, rows["6"].row_number) == (None, "4601", 9)
        pairs = {(l.infector_id, l.infectee_id, l.directed, l.setting, l.exposure_date) for l in s.scalars(select(AnalysisLink))}
        assert (rows["1"].id, rows["2"].id, True, "event", dt.date(2020, 12, 12)) in pairs
        assert (rows["2"].id, rows["4"].id, True, "household", None) in pairs
        assert _count(s, Person) == persons_before and _count(s, Case) == 0 and _count(s, Cluster) == 0


def test_an_import_is_audited_with_counts_only(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        result = _import(s, actor)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "linelist_imported"))
        assert (event.entity, event.entity_id, event.org_unit_id, event.user_id) == (
            "analysis_outbreak", result.outbreak_id, unit_id(s, "0301"), actor.user_id
        )
        assert event.detail["cases"] == 8 and event.detail["links"] == 6 and event.detail["mode"] == "analysis"
        assert all(isinstance(v, (int, str)) and v in (8, 6, 0, 1, "analysis") for v in event.detail.values())


def test_a_rejected_file_stores_nothing_and_reports_every_row(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        with pytest.raises(LineListRejected) as rejected:
            _import(s, actor, cases="julebord_feil.csv", links=None)
        assert [(e.row_number, e.field_nb) for e in rejected.value.errors] == [(3, "symptomstart"), (4, "id"), (5, "kjønn")]
        assert rejected.value.field == "fil" and "Ingenting er lagret" in rejected.value.message_nb
        assert _count(s, AnalysisOutbreak) == 0 and _count(s, AnalysisCase) == 0
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "linelist_imported")) is None


def test_pairs_naming_unknown_cases_reject_the_whole_import(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        with pytest.raises(LineListRejected) as rejected:
            _import(s, actor, cases="small_cases_en.csv", links="julebord_par.csv", today=dt.date(2021, 6, 1))
        assert {(e.file_nb, e.field_nb) for e in rejected.value.errors} == {("parfil", "smitter"), ("parfil", "smittet")}
        assert _count(s, AnalysisOutbreak) == 0


def test_the_label_is_required_and_unique_within_the_org_unit(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        _import(s, actor, label="Kor")
        with pytest.raises(DomainError) as taken:
            _import(s, actor, label=" Kor ")
        assert taken.value.field == "etikett"
        with pytest.raises(DomainError) as empty:
            _import(s, actor, label="  ")
        assert empty.value.field == "etikett"
        # The same label in a bydel is another outbreak.
        assert _import(s, actor, code="030101", label="Kor").outbreak_id


def test_progress_is_reported_from_start_to_end(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        calls: list[tuple[int, int]] = []
        _import(s, actor, progress=lambda done, total: calls.append((done, total)))
        assert calls[0] == (0, 14) and calls[-1] == (14, 14)
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_a_mapping_lets_other_column_names_in(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        csv = "Pasient;Syk fra\n1;01.12.2020\n2;03.12.2020\n".encode()
        result = import_linelist(s, actor, csv, "x.csv", None, None, unit_id(s, "0301"), "Kartlagt", mapping={"Pasient": "id", "Syk fra": "symptomstart"}, today=TODAY)
        assert result.cases == 2


# --- access -------------------------------------------------------------------------------------------------------


def test_a_bergen_doctor_can_neither_import_into_oslo_nor_see_osloes_outbreak(store):
    with store.session() as s:
        oslo = make_actor(s, "kommuneoverlege", "0301")
        bergen = make_actor(s, "kommuneoverlege", "4601")
        result = _import(s, oslo)
        with pytest.raises(AccessDenied):
            _import(s, bergen, code="0301", label="Annet")
        with pytest.raises(AccessDenied):
            load_outbreak_graph(s, bergen, result.outbreak_id)
        assert list_outbreaks(s, bergen) == []
        with pytest.raises(DomainError) as missing:
            find_outbreak(s, bergen, "Julebord")
        assert missing.value.field == "utbrudd"
        assert [o.id for o in list_outbreaks(s, oslo)] == [result.outbreak_id]


def test_roles_without_case_work_cannot_import(store):
    with store.session() as s:
        reporter = make_actor(s, "rapportuttak", "0301")
        with pytest.raises(AccessDenied):
            _import(s, reporter)
        fhi = make_actor(s, "fhi", "NO")
        with pytest.raises(AccessDenied):
            _import(s, fhi)


def test_an_ambiguous_label_needs_the_org_unit(store):
    with store.session() as s:
        oslo = make_actor(s, "kommuneoverlege", "0301")
        in_oslo = _import(s, oslo, label="Kor")
        in_bydel = _import(s, oslo, code="030101", label="Kor")
        with pytest.raises(DomainError) as ambiguous:
            find_outbreak(s, oslo, "Kor")
        assert "Flere" in ambiguous.value.message_nb
        assert find_outbreak(s, oslo, "Kor", "0301").id == in_oslo.outbreak_id
        assert find_outbreak(s, oslo, "Kor", "030101").id == in_bydel.outbreak_id


# --- the outbreak's graph -----------------------------------------------------------------------------------------


def test_the_outbreak_graph_has_a_node_per_row_and_one_infector_per_case(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        result = _import(s, actor)
        ids = dict(s.execute(select(AnalysisCase.external_id, AnalysisCase.id)).all())
        key = {external: f"a{i}" for external, i in ids.items()}

        graph = load_outbreak_graph(s, actor, result.outbreak_id)

        assert set(graph.nodes) == set(key.values()) and all(n.is_case for n in graph.nodes.values())
        assert graph.nodes[key["1"]].label == "Tilfelle 4"  # row 4 of the file, never the file's own id
        assert graph.nodes[key["6"]].onset == dt.date(2020, 12, 22)
        assert len(graph.edges) == 6
        # Case 6 has two infectors: 3 (onset 18.12) wins over 2 (onset 17.12), the latest onset before its own.
        assert graph.infector() == {key["2"]: key["1"], key["3"]: key["1"], key["4"]: key["2"], key["5"]: key["4"], key["6"]: key["3"]}
        plain = [e for e in graph.edges if not e.transmission]
        assert [(e.source, e.target) for e in plain] == [(key["2"], key["6"])]
        # Cluster "Julebord Aker brygge": a negative id, named, on its members and on the edges inside it.
        assert list(graph.clusters) == [-1]
        assert (graph.clusters[-1].name, graph.clusters[-1].kind) == ("Julebord Aker brygge", "event")
        assert graph.nodes[key["2"]].cluster_ids == (-1,) and graph.nodes[key["4"]].cluster_ids == ()
        edge_1_2 = next(e for e in graph.edges if (e.source, e.target) == (key["1"], key["2"]))
        assert (edge_1_2.cluster_id, edge_1_2.setting, edge_1_2.directed) == (-1, "event", True)
        # A finished outbreak: analysed the day after its last date, complete (no censoring).
        assert (graph.as_of, graph.censor_days, graph.follow_up_days) == (dt.date(2021, 1, 1), 0, 14)
        assert len(graph.tree.nodes) == 8 and len(graph.tree.edges) == 5


def test_an_earlier_analysis_date_shows_the_outbreak_as_it_stood(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        result = _import(s, actor)
        graph = load_outbreak_graph(s, actor, result.outbreak_id, as_of=dt.date(2020, 12, 19))
        assert sorted(n.label for n in graph.nodes.values()) == ["Tilfelle 4", "Tilfelle 5", "Tilfelle 6"]
        assert len(graph.edges) == 2 and graph.censor_days == 14


def test_undirected_pairs_are_oriented_and_marked(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        result = _import(s, actor, links="related_cases.csv")
        assert result.undirected_links == 5
        graph = load_outbreak_graph(s, actor, result.outbreak_id)
        labels = {k: n.label for k, n in graph.nodes.items()}
        assert sorted((labels[e.source], labels[e.target], e.directed) for e in graph.edges) == [
            ("Tilfelle 4", "Tilfelle 5", False),
            ("Tilfelle 4", "Tilfelle 6", False),
            ("Tilfelle 5", "Tilfelle 7", False),
            ("Tilfelle 6", "Tilfelle 9", False),
            ("Tilfelle 7", "Tilfelle 8", False),  # case 4 (onset 21.12) before case 5 (onset unknown, test 23.12)
        ]


# --- cases mode ---------------------------------------------------------------------------------------------------


def _register_csv(numbers: list[str]) -> bytes:
    lines = ["id;fødselsnummer;fornavn;etternavn;symptomstart;testdato;klynge;arena;kommune"]
    lines.append(f"1;{numbers[0]};Kari;Nordmann;20.12.2020;21.12.2020;Julebord;arrangement;0301")
    lines.append(f"2;{numbers[1]};;;;02.01.2021;Julebord;arrangement;0301")
    lines.append(f"3;{numbers[2]};Per;Hansen;03.01.2021;04.01.2021;;husstand;3024")
    lines.append(f"4;{numbers[3]};Lise;Berg;21.12.2020;;;;")
    return "\n".join(lines).encode()


def _numbers(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return [national_id.generate(dt.date(1970 + i, 3, 1 + i), rng=rng) for i in range(n)]


def test_a_cases_import_creates_persons_index_cases_exposures_clusters_and_chains(store):
    numbers = _numbers(4)
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        known = make_person(s, first_name="Lise", last_name="Berg", birth_date=None, with_national_id=False)
        known.national_id = numbers[3]
        s.flush()
        pairs = b"smitter;smittet;eksponeringsdato\n1;2;\n2;3;01.01.2021\n"
        result = import_linelist(s, actor, _register_csv(numbers), "r.csv", pairs, "p.csv", unit_id(s, "0301"), "Ekte", mode="cases", today=TODAY)

        assert (result.mode, result.cases, result.persons_created, result.persons_found) == ("cases", 4, 3, 1)
        persons = {p.national_id: p for p in s.scalars(select(Person).where(Person.national_id.in_(numbers)))}
        assert persons[numbers[3]].id == known.id
        assert (persons[numbers[0]].first_name, persons[numbers[0]].source, persons[numbers[0]].birth_date) == ("Kari", "import", dt.date(1970, 3, 1))
        assert persons[numbers[1]].full_name == "Ukjent navn"
        assert persons[numbers[2]].home_org_unit_id == unit_id(s, "3201")

        cases = {c.person_id: c for c in s.scalars(select(Case).where(Case.kind == "index"))}
        by_row = [cases[persons[n].id] for n in numbers]
        # Isolation is 5 days from onset (or test): rows 1 and 4 are over by 05.01.2021, rows 2 and 3 are not.
        assert [c.status for c in by_row] == ["closed", "active", "active", "closed"]
        assert (result.index_cases_active, result.index_cases_closed) == (2, 2)
        assert (by_row[0].isolation_start, by_row[0].isolation_end, by_row[0].outcome) == (dt.date(2020, 12, 20), dt.date(2020, 12, 25), "completed")
        assert by_row[1].next_follow_up == TODAY and s.scalar(select(func.count()).where(FollowUp.case_id == by_row[1].id)) > 0
        assert s.scalar(select(func.count()).where(FollowUp.case_id == by_row[0].id)) == 0
        # Chains: rows 1-2-3 are one chain (the smallest case id), row 4 is its own.
        assert by_row[0].chain_id == by_row[1].chain_id == by_row[2].chain_id == min(c.id for c in by_row[:3])
        assert by_row[3].chain_id == by_row[3].id
        assert all(c.version == 1 for c in by_row)

        exposures = {(e.source_case_id, e.contact_person_id): e for e in s.scalars(select(Exposure))}
        first = exposures[(by_row[0].id, persons[numbers[1]].id)]
        # No date in the file: the infectee's test date (no onset) minus 2 days; the setting from the infectee.
        assert (first.exposure_date, first.setting, first.contact_case_id) == (dt.date(2020, 12, 31), "event", None)
        second = exposures[(by_row[1].id, persons[numbers[2]].id)]
        assert (second.exposure_date, second.setting, second.cluster_id) == (dt.date(2021, 1, 1), "household", None)

        cluster = s.scalar(select(Cluster))
        assert (cluster.name, cluster.kind, cluster.org_unit_id, cluster.status) == ("Julebord", "event", unit_id(s, "0301"), "active")
        assert first.cluster_id == cluster.id
        members = set(s.scalars(select(ClusterMember.person_id).where(ClusterMember.cluster_id == cluster.id)))
        assert members == {persons[numbers[0]].id, persons[numbers[1]].id}

        # The analysis rows are stored too, without numbers or names.
        outbreak = s.get(AnalysisOutbreak, result.outbreak_id)
        assert (outbreak.mode, outbreak.case_count, outbreak.link_count) == ("cases", 4, 2)
        graph = load_outbreak_graph(s, actor, outbreak.id)
        assert len(graph.nodes) == 4 and len(graph.infector()) == 2
        stored = " ".join(str(v) for c in s.scalars(select(AnalysisCase)) for v in vars(c).values())
        assert not any(n in stored for n in numbers) and "Kari" not in stored

        audited = {e.action for e in s.scalars(select(AuditEvent))}
        assert {"linelist_imported", "person_created", "case_created", "cluster_created"} <= audited
        for event in s.scalars(select(AuditEvent)):
            assert not any(n in str(event.detail) for n in numbers)


def test_a_person_with_an_active_index_case_rejects_the_cases_import(store):
    numbers = _numbers(4, seed=12)
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        person = make_person(s, birth_date=None, with_national_id=False)
        person.national_id = numbers[2]
        make_case(s, person, "index")
        with pytest.raises(LineListRejected) as rejected:
            import_linelist(s, actor, _register_csv(numbers), "r.csv", None, None, unit_id(s, "0301"), "Ekte", mode="cases", today=TODAY)
        assert [(e.row_number, e.field_nb) for e in rejected.value.errors] == [(4, "fødselsnummer")]
        assert _count(s, AnalysisOutbreak) == 0 and s.scalar(select(func.count()).where(Person.source == "import")) == 0


def test_a_person_of_another_kommune_cannot_be_enrolled_by_import(store):
    numbers = _numbers(4, seed=13)
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        person = make_person(s, "4601", birth_date=None, with_national_id=False)
        person.national_id = numbers[0]
        make_case(s, person, "index", code="4601", status="closed")
        with pytest.raises(LineListRejected) as rejected:
            import_linelist(s, actor, _register_csv(numbers), "r.csv", None, None, unit_id(s, "0301"), "Ekte", mode="cases", today=TODAY)
        assert [(e.row_number, e.field_nb) for e in rejected.value.errors] == [(2, "fødselsnummer")]
        assert "annen kommune" in rejected.value.errors[0].message_nb


def test_a_cases_import_without_national_ids_is_rejected(store):
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        with pytest.raises(LineListRejected) as rejected:
            _import(s, actor, mode="cases")
        assert [(e.row_number, e.field_nb) for e in rejected.value.errors] == [(3, "fødselsnummer")]
        assert _count(s, Case) == 0


# --- the page's callbacks, called as plain functions (the browser journey is tests/e2e/test_linelist.py) ----------


@pytest.fixture
def page(store, monkeypatch):
    """callbacks.linelist with the store and a logged-in Oslo doctor put in place of the request's."""
    import base64

    import dash

    if not dash.page_registry:
        dash.Dash(__name__, use_pages=True, pages_folder="")  # page modules register themselves only once an app exists
    import components.forms as forms
    from callbacks import linelist

    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege")
        oslo = unit_id(s, "0301")
    monkeypatch.setattr(forms, "store", lambda: store)
    monkeypatch.setattr(forms, "current_actor", lambda: actor)

    def upload(name: str) -> str:
        return "data:text/csv;base64," + base64.b64encode(data(name)).decode()

    return linelist, upload, oslo


def _text(component) -> str:
    if component is None or isinstance(component, (str, int, float)):
        return "" if component is None else str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def test_the_import_callback_reports_progress_and_links_to_the_outbreak(page, store):
    linelist, upload, oslo = page
    progress: list[tuple[str, str]] = []
    view, value, label = linelist.run_import(
        progress.append, 1, upload("small_cases_en.csv"), "kor.csv", upload("small_links_en.csv"), "par.csv",
        str(oslo), "Korøvelse", "analysis", "",
    )
    assert (value, label) == ("100", "100 %")
    assert progress[0] == ("0", "0 %") and progress[-1] == ("100", "100 %")
    with store.session() as s:
        outbreak_id = s.scalar(select(AnalysisOutbreak.id).where(AnalysisOutbreak.label == "Korøvelse"))
    assert "3 tilfeller og 2 smittepar" in _text(view)
    link = view.children[-1]
    assert link.href == f"/smittespredning?utbrudd={outbreak_id}"


def test_the_import_callback_shows_the_row_report_or_the_refused_field(page, store):
    linelist, upload, oslo = page
    report, value, _ = linelist.run_import(lambda _p: None, 1, upload("julebord_feil.csv"), "feil.csv", None, None, str(oslo), "Feil", "analysis", "")
    table = report.children[1]
    assert table.id == "linelist-report" and value == "0"
    rows = [[_text(cell) for cell in row.children] for row in table.children[1].children]
    assert rows[0][0] == "saksfil" and "32.12.2020" in rows[0][3]
    assert [r[1:3] for r in rows] == [["3", "symptomstart"], ["4", "id"], ["5", "kjønn"]]

    no_file, _, _ = linelist.run_import(lambda _p: None, 1, None, None, None, None, str(oslo), "X", "analysis", "")
    assert _text(no_file).startswith("Saksfil:")
    bad_mapping, _, _ = linelist.run_import(lambda _p: None, 1, upload("julebord_saker.csv"), "a.csv", None, None, str(oslo), "X", "analysis", "bare tekst")
    assert _text(bad_mapping).startswith("Kolonnekobling:")
    no_label, _, _ = linelist.run_import(lambda _p: None, 1, upload("julebord_saker.csv"), "a.csv", None, None, str(oslo), "", "analysis", "")
    assert _text(no_label).startswith("Etikett:")
    with store.session() as s:
        assert _count(s, AnalysisOutbreak) == 0
