"""Worklists (tracing/worklists.py over data/queries/worklists.py) on both stores: what each list holds, scope,
server-side paging, sorting and filtering, refusals, export, saved views and the bulk actions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from data.models import AuditEvent, Case, FollowUp, Person, TestResult
from tests.factories import make_actor, make_case, make_person, unit_id
from tracing.cases import IndexInput, register_index
from tracing.errors import AccessDenied, DomainError, NotFound
from tracing.worklists import (
    WORKLISTS,
    assign_cases,
    delete_view,
    export_worklist,
    get_view,
    list_views,
    mark_follow_ups_done,
    save_view,
    statements_for,
    tracer_choices,
    worklist_counts,
    worklist_page,
)

TODAY = dt.date(2026, 11, 23)
UTC = dt.timezone.utc
_names = itertools.count(1)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _case(s, code="0301", kind="index", due: int | None = 0, status="active", *, first="Kari", last=None, birth=dt.date(1985, 6, 15), **fields) -> Case:
    """A case of a fresh person, with its next follow-up ``due`` days from TODAY (None: none open)."""
    person = make_person(s, code[:4], first_name=first, last_name=last or f"Nordmann{next(_names):03d}", birth_date=birth,
                         phone=fields.pop("phone", None), with_national_id=fields.pop("with_national_id", False))
    return make_case(s, person, kind=kind, code=code, status=status, next_follow_up=days(due) if due is not None else None, **fields)


def _ids(page) -> list[int]:
    return [r["case_id"] for r in page.rows]


def _page(s, actor, key="index_today", **kw):
    kw.setdefault("end", 100)
    return worklist_page(s, actor, key, today=TODAY, **kw)


def _result(s, person: Person | None, result="positive", received: int = 0, n=[0]) -> TestResult:  # noqa: B006
    n[0] += 1
    row = TestResult(
        external_id=f"test-{n[0]}-{id(s)}",
        person_id=person.id if person else None,
        sample_date=days(received - 1),
        result_date=days(received),
        method="PCR",
        result=result,
        lab="Testlab",
        received_at=dt.datetime.combine(days(received), dt.time(10), tzinfo=UTC),
    )
    s.add(row)
    s.flush()
    return row


# --- what each list holds ---------------------------------------------------------------------------------


def test_index_today_holds_active_index_cases_due_today_or_earlier_overdue_first(store):
    with store.session() as s:
        # given Oslo cases: index due today (in a bydel), index overdue by two days, index due tomorrow,
        # a closed index and a contact both due today, and an index without an open follow-up
        oslo = make_actor(s, code="0301")
        today = _case(s, "030101", due=0)
        overdue = _case(s, "0301", due=-2)
        _case(s, "0301", due=1)
        _case(s, "0301", due=0, status="closed")
        _case(s, "0301", kind="contact", due=0)
        _case(s, "0301", due=None)
        # when the tracer opens "Indeksoppfølging i dag"
        page = _page(s, oslo)
        # then both the due and the overdue index are there, the overdue one first and flagged
        assert _ids(page) == [overdue.id, today.id]
        assert page.total == 2
        first, second = page.rows
        assert (first["overdue"], first["days_overdue"], second["overdue"], second["days_overdue"]) == (True, 2, False, 0)
        assert (second["org_unit_name"], second["kind"], second["status"]) == ("Gamle Oslo", "index", "active")


def test_contacts_today_overdue_assigned_and_self_registered_lists(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        other = make_actor(s, code="0301")
        contact_today = _case(s, kind="contact", due=0)
        contact_late = _case(s, kind="contact", due=-1)
        index_late = _case(s, kind="index", due=-3)
        _case(s, kind="contact", due=2)
        mine = _case(s, kind="index", due=5, assigned_to_id=oslo.user_id)
        _case(s, kind="index", due=0, assigned_to_id=other.user_id)
        _case(s, kind="index", due=0, assigned_to_id=oslo.user_id, status="closed")
        selfreg = _case(s, kind="index", due=3, self_registered=True)

        assert _ids(_page(s, oslo, "contacts_today")) == [contact_late.id, contact_today.id]
        assert _ids(_page(s, oslo, "overdue")) == [index_late.id, contact_late.id]
        assert _ids(_page(s, oslo, "assigned_to_me")) == [mine.id]
        assert _page(s, oslo, "assigned_to_me").rows[0]["assigned_to_name"] == "Test smittesporer 0301"
        assert _ids(_page(s, oslo, "self_registered")) == [selfreg.id]


def test_two_tracers_of_the_same_unit_each_see_their_own_assigned_cases(store):
    with store.session() as s:
        sara, ola = make_actor(s, code="0301"), make_actor(s, code="0301")
        saras = _case(s, due=0, assigned_to_id=sara.user_id)
        olas = _case(s, due=0, assigned_to_id=ola.user_id)
        for _ in range(2):  # asked twice: built statements are reused, never across users
            assert _ids(_page(s, sara, "assigned_to_me")) == [saras.id]
            assert _ids(_page(s, ola, "assigned_to_me")) == [olas.id]


def test_new_positive_results_are_recent_positives_of_persons_in_scope(store):
    with store.session() as s:
        # given results for an Oslo resident with an active index case, another Oslo resident, a Bergen resident,
        # and a result not matched to any person
        oslo = make_actor(s, code="0301")
        case = _case(s, "030102", due=0)
        oslo_person = s.get(Person, case.person_id)
        other_oslo = make_person(s, "0301", first_name="Ola", last_name="Olsen")
        bergen_person = make_person(s, "4601", first_name="Berit", last_name="Bergen")
        recent = _result(s, oslo_person, received=0)
        six_days = _result(s, other_oslo, received=-6)
        _result(s, other_oslo, received=-7)  # too old
        _result(s, other_oslo, result="negative")
        _result(s, bergen_person)
        _result(s, None)
        # when the tracer opens "Nye positive prøvesvar"
        page = _page(s, oslo, "new_positive_results")
        # then the two recent positives of Oslo persons, newest first, with the active index case where there is one
        assert [r["result_id"] for r in page.rows] == [recent.id, six_days.id]
        assert page.rows[0]["case_id"] == case.id and page.rows[1]["case_id"] is None
        assert page.rows[1]["org_unit_name"] == "Oslo"
        assert (page.rows[0]["received_date"], page.rows[0]["test_method"]) == (TODAY, "PCR")


@pytest.mark.parametrize("key", list(WORKLISTS))
def test_a_bergen_tracer_sees_none_of_oslos_rows(store, key):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        bergen = make_actor(s, code="4601")
        for kind, due in (("index", 0), ("index", -1), ("contact", 0), ("contact", -2)):
            c = _case(s, "030101", kind=kind, due=due, assigned_to_id=bergen.user_id, self_registered=True)
            _result(s, s.get(Person, c.person_id))
        assert _page(s, oslo, key).total > 0 or key == "assigned_to_me"
        page = _page(s, bergen, key)
        assert (page.rows, page.total) == ([], 0)


def test_a_bydel_tracer_sees_only_the_bydel_and_counts_match_the_pages(store):
    with store.session() as s:
        bydel = make_actor(s, code="030101")
        inside = _case(s, "030101", due=0)
        _case(s, "030102", due=0)
        _case(s, "0301", due=0)
        assert _ids(_page(s, bydel)) == [inside.id]
        counts = worklist_counts(s, bydel, TODAY)
        assert counts == {key: _page(s, bydel, key).total for key in WORKLISTS}


def test_users_without_case_work_roles_are_refused(store):
    with store.session() as s:
        fhi = make_actor(s, role="fhi", code="NO")
        report = make_actor(s, role="rapportuttak", code="0301")
        for actor in (fhi, report):
            with pytest.raises(AccessDenied):
                _page(s, actor)
            with pytest.raises(AccessDenied):
                export_worklist(s, actor, "index_today", "csv", today=TODAY)


# --- paging, sorting, filtering --------------------------------------------------------------------------


def test_pages_are_served_from_the_server_with_the_total(store):
    with store.session() as s:
        oslo = make_actor(s)
        cases = [_case(s, due=-(i % 3)) for i in range(25)]
        full = _page(s, oslo, end=100)
        assert full.total == 25 and len(full.rows) == 25
        pages = [_page(s, oslo, start=a, end=a + 10) for a in (0, 10, 20)]
        assert [len(p.rows) for p in pages] == [10, 10, 5]
        assert all(p.total == 25 for p in pages)
        assert sum((_ids(p) for p in pages), []) == _ids(full)
        # default order: earliest follow-up first, then case number
        expected = sorted(cases, key=lambda c: (c.next_follow_up, c.id))
        assert _ids(full) == [c.id for c in expected]


def test_sorting_by_name_age_days_overdue_and_kind(store):
    with store.session() as s:
        oslo = make_actor(s)
        a = _case(s, due=0, first="Anne", last="Aas", birth=dt.date(1990, 1, 1))
        b = _case(s, due=-4, first="Bjørn", last="Berg", birth=dt.date(2010, 1, 1))
        c = _case(s, due=-1, first="Carl", last="Berg", birth=None)
        d = _case(s, "0301", kind="contact", due=-2, first="Dina", last="Dahl", birth=dt.date(1950, 5, 5))

        assert _ids(_page(s, oslo, sort=[("person_name", "asc")])) == [a.id, b.id, c.id]
        assert _ids(_page(s, oslo, sort=[("person_name", "desc")])) == [c.id, b.id, a.id]
        # unknown ages last in both directions
        assert _ids(_page(s, oslo, sort=[("age", "asc")])) == [b.id, a.id, c.id]
        assert _ids(_page(s, oslo, sort=[("age", "desc")])) == [a.id, b.id, c.id]
        assert _ids(_page(s, oslo, sort=[{"colId": "days_overdue", "sort": "desc"}])) == [b.id, c.id, a.id]
        # code columns sort by their Norwegian label: "Indeks" before "Nærkontakt"
        overdue = _page(s, oslo, "overdue", sort=[("kind", "asc"), ("case_id", "desc")])
        assert _ids(overdue) == [c.id, b.id, d.id]


def test_filters_as_ag_grid_sends_them(store):
    with store.session() as s:
        oslo = make_actor(s)
        a = _case(s, "030101", due=0, first="Åse", last="Ødegård", birth=dt.date(2015, 3, 1), phone="41234567")
        b = _case(s, "030102", due=-2, first="Per", last="Hansen", birth=dt.date(1980, 7, 7), phone="99887766")
        c = _case(s, "0301", due=-1, first="Liv", last="Lie", birth=None, phone=None)

        def ids(key="index_today", **filters):
            return sorted(_ids(_page(s, oslo, key, filters=filters)))

        text_filter = lambda kind, value: {"filterType": "text", "type": kind, "filter": value}  # noqa: E731
        assert ids(phone=text_filter("contains", "8877")) == [b.id]
        assert ids(phone=text_filter("startsWith", "4")) == [a.id]
        assert ids(phone={"filterType": "text", "type": "blank"}) == [c.id]
        assert ids(phone=text_filter("notContains", "4")) == sorted([b.id, c.id])
        # names match folded: "odegard" finds "Ødegård", words in any order
        assert ids(person_name=text_filter("contains", "odegard ase")) == [a.id]
        assert ids(person_name=text_filter("startsWith", "Hans")) == [b.id]
        assert ids(org_unit_name=text_filter("equals", "gamle oslo")) == [a.id]
        # ages: 11 today (born 01.03.2015) and 46 (born 07.07.1980); unknown age never matches a number
        assert ids(age={"filterType": "number", "type": "lessThan", "filter": 18}) == [a.id]
        assert ids(age={"filterType": "number", "type": "inRange", "filter": 11, "filterTo": 46}) == sorted([a.id, b.id])
        assert ids(age={"filterType": "number", "type": "equals", "filter": 46}) == [b.id]
        assert ids(days_overdue={"filterType": "number", "type": "greaterThan", "filter": 0}) == sorted([b.id, c.id])
        assert ids(days_overdue={"filterType": "number", "type": "equals", "filter": 0}) == [a.id]
        assert ids(next_follow_up={"filterType": "date", "type": "lessThan", "dateFrom": f"{TODAY} 00:00:00"}) == sorted([b.id, c.id])
        assert ids(next_follow_up={"filterType": "date", "type": "equals", "dateFrom": f"{days(-2)} 00:00:00"}) == [b.id]
        assert ids(
            case_id={"filterType": "number", "operator": "OR", "conditions": [
                {"filterType": "number", "type": "equals", "filter": a.id},
                {"filterType": "number", "type": "equals", "filter": c.id},
            ]}
        ) == sorted([a.id, c.id])
        # code columns filter on their Norwegian label
        assert ids("overdue", kind=text_filter("equals", "Indeks")) == sorted([b.id, c.id])
        assert ids("overdue", kind=text_filter("contains", "kontakt")) == []
        # the total follows the filter
        assert _page(s, oslo, filters={"phone": text_filter("contains", "9")}).total == 1


def test_enrolled_date_filters_on_the_oslo_calendar_day(store):
    with store.session() as s:
        oslo = make_actor(s)
        # 23:30 UTC on the 22nd is 00:30 on the 23rd in Oslo
        late = _case(s, due=0, enrolled_at=dt.datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
        _case(s, due=0, enrolled_at=dt.datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
        page = _page(s, oslo, filters={"enrolled_date": {"filterType": "date", "type": "equals", "dateFrom": "2026-11-23 00:00:00"}})
        assert _ids(page) == [late.id]
        assert page.rows[0]["enrolled_date"] == TODAY


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sort": [("national_id", "asc")]}, "kolonne"),
        ({"sort": [("person_name", "up")]}, "sortering"),
        ({"filters": {"national_id": {"filterType": "text", "type": "equals", "filter": "x"}}}, "kolonne"),
        ({"filters": {"phone": {"filterType": "text", "type": "regex", "filter": "x"}}}, "Telefon"),
        ({"filters": {"age": {"filterType": "number", "type": "equals", "filter": "tolv"}}}, "Alder"),
        ({"filters": {"age": {"filterType": "text", "type": "equals", "filter": "12"}}}, "Alder"),
        ({"filters": {"next_follow_up": {"filterType": "date", "type": "equals", "dateFrom": "23.11.2026"}}}, "Neste oppfølging"),
        ({"filters": {"overdue": {"filterType": "text", "type": "equals", "filter": "Ja"}}}, "Forfalt"),
        ({"filters": {"result_id": {"filterType": "number", "type": "equals", "filter": 1}}}, "kolonne"),
        ({"start": -1}, "startrad"),
        ({"start": 0, "end": 5000}, "sluttrad"),
    ],
)
def test_unknown_columns_filters_and_pages_are_refused(store, kwargs, field):
    with store.session() as s:
        oslo = make_actor(s)
        with pytest.raises(DomainError) as refused:
            _page(s, oslo, **kwargs)
        assert refused.value.field == field


def test_an_unknown_worklist_is_refused(store):
    with store.session() as s:
        with pytest.raises(DomainError) as refused:
            _page(s, make_actor(s), "everything")
        assert refused.value.field == "arbeidsliste"


def test_the_query_never_selects_a_national_id_and_uses_the_worklist_index(store):
    with store.session() as s:
        oslo = make_actor(s)
        statements = statements_for(s, oslo, "index_today", today=TODAY)
        sql = str(statements.page.compile(store.engine))
        assert "national_id" not in sql
        if store.dialect == "sqlite":
            plan = s.execute(text("EXPLAIN QUERY PLAN " + str(statements.page.compile(store.engine, compile_kwargs={"literal_binds": True})))).all()
            assert any("ix_case_worklist" in str(row) for row in plan), plan


# --- export ----------------------------------------------------------------------------------------------


def _export_fixture(s):
    oslo = make_actor(s)
    for i in range(12):
        _case(s, "030101" if i % 2 else "0301", due=-(i % 4), first=f"Navn{i:02d}", phone=f"4{i:07d}" if i % 3 else None)
    _case(s, "4601", due=0)  # Bergen's
    return oslo


def test_csv_export_is_the_current_view_and_is_audited(store):
    with store.session() as s:
        oslo = _export_fixture(s)
        sort = [("phone", "desc")]
        filters = {"days_overdue": {"filterType": "number", "type": "greaterThan", "filter": 0}}
        columns = ["case_id", "person_name", "birth_date", "phone", "next_follow_up", "overdue", "kind"]
        content = export_worklist(s, oslo, "index_today", "csv", sort=sort, filters=filters, columns=columns, today=TODAY)
        expected = _page(s, oslo, sort=sort, filters=filters)
        lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        assert lines[0] == ["Saksnr.", "Navn", "Fødselsdato", "Telefon", "Neste oppfølging", "Forfalt", "Type"]
        assert [int(line[0]) for line in lines[1:]] == _ids(expected)
        first = expected.rows[0]
        assert lines[1][1:] == [first["person_name"], "15.06.1985", first["phone"] or "", first["next_follow_up"].strftime("%d.%m.%Y"), "Ja", "Indeks"]
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert (event.user_id, event.entity) == (oslo.user_id, "worklist")
        assert event.detail == {"worklist": "index_today", "rows": expected.total, "format": "csv", "columns": columns,
                                "filtered_columns": ["days_overdue"]}


def test_xlsx_export_holds_the_same_rows_with_real_dates(store):
    with store.session() as s:
        oslo = _export_fixture(s)
        content = export_worklist(s, oslo, "index_today", "xlsx", sort=[("person_name", "asc")], today=TODAY)
        expected = _page(s, oslo, sort=[("person_name", "asc")])
        sheet = load_workbook(io.BytesIO(content)).active
        rows = list(sheet.iter_rows(values_only=True))
        definition = WORKLISTS["index_today"]
        assert list(rows[0]) == [definition.header(c) for c in definition.default_columns]
        assert [r[0] for r in rows[1:]] == _ids(expected)
        birth = rows[1][definition.default_columns.index("birth_date")]
        assert birth.date() == dt.date(1985, 6, 15)
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")) == 1


def test_export_guards_against_spreadsheet_formulas_and_never_holds_a_national_id(store):
    with store.session() as s:
        oslo = make_actor(s)
        case = _case(s, due=0, first="=HYPERLINK(\"x\")", phone="+4791234567", with_national_id=True)
        person = s.get(Person, case.person_id)
        csv_text = export_worklist(s, oslo, "index_today", "csv", columns=list(WORKLISTS["index_today"].columns), today=TODAY).decode("utf-8-sig")
        assert person.national_id not in csv_text
        assert "'+4791234567" in csv_text and ";'=" not in csv_text.replace("'=HYPERLINK", "")
        sheet = load_workbook(io.BytesIO(export_worklist(s, oslo, "index_today", "xlsx", columns=["person_name"], today=TODAY))).active
        cell = sheet.cell(row=2, column=1)
        assert cell.data_type == "s" and cell.value.startswith("Nordmann")


def test_export_refuses_unknown_format_and_columns(store):
    with store.session() as s:
        oslo = make_actor(s)
        with pytest.raises(DomainError) as refused:
            export_worklist(s, oslo, "index_today", "pdf", today=TODAY)
        assert refused.value.field == "format"
        with pytest.raises(DomainError) as refused:
            export_worklist(s, oslo, "index_today", "csv", columns=["national_id"], today=TODAY)
        assert refused.value.field == "kolonner"
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")) == 0


# --- saved views -----------------------------------------------------------------------------------------


def test_saved_views_belong_to_their_user(store):
    with store.session() as s:
        sara = make_actor(s)
        ola = make_actor(s)
        filters = {"age": {"filterType": "number", "type": "lessThan", "filter": 16}}
        # when Sara saves a view of her contacts list
        view = save_view(s, sara, "contacts_today", "  Barn  ", columns=["person_name", "age", "phone"],
                         sort=[{"colId": "age", "sort": "asc"}], filters=filters)
        # then she finds it, Ola does not, and only Sara can delete it
        assert (view.name, view.columns, view.sort, view.filters) == ("Barn", ("person_name", "age", "phone"), (("age", "asc"),), filters)
        assert [v.id for v in list_views(s, sara, "contacts_today")] == [view.id]
        assert list_views(s, sara, "index_today") == [] and list_views(s, ola) == []
        with pytest.raises(NotFound):
            get_view(s, ola, view.id)
        with pytest.raises(NotFound):
            delete_view(s, ola, view.id)
        # saving under the same name replaces the view
        again = save_view(s, sara, "contacts_today", "Barn", columns=["person_name"])
        assert again.id == view.id and again.columns == ("person_name",) and again.sort == () and again.filters == {}
        delete_view(s, sara, view.id)
        assert list_views(s, sara) == []
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity == "saved_view")))
        assert actions == ["saved_view_saved", "saved_view_saved", "saved_view_deleted"]


@pytest.mark.parametrize(
    ("name", "kwargs", "field"),
    [
        ("", {"columns": ["person_name"]}, "navn"),
        ("x" * 101, {"columns": ["person_name"]}, "navn"),
        ("Ok", {"columns": ["national_id"]}, "kolonner"),
        ("Ok", {"columns": ["person_name"], "sort": [("national_id", "asc")]}, "kolonne"),
        ("Ok", {"columns": ["person_name"], "filters": {"age": {"filterType": "number", "type": "lessThan", "filter": "x"}}}, "Alder"),
    ],
)
def test_invalid_views_are_refused_and_nothing_is_saved(store, name, kwargs, field):
    with store.session() as s:
        sara = make_actor(s)
        with pytest.raises(DomainError) as refused:
            save_view(s, sara, "index_today", name, **kwargs)
        assert refused.value.field == field
        assert list_views(s, sara) == []


# --- bulk actions ----------------------------------------------------------------------------------------


def test_tracer_choices_are_case_workers_of_the_actors_units(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        bydel = make_actor(s, code="030101")
        make_actor(s, code="4601")
        make_actor(s, role="rapportuttak", code="0301")
        assert {uid for uid, _ in tracer_choices(s, oslo)} == {oslo.user_id, bydel.user_id}
        assert {uid for uid, _ in tracer_choices(s, bydel)} == {oslo.user_id, bydel.user_id}


def test_assigning_selected_cases_to_a_tracer(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        colleague = make_actor(s, code="0301")
        a, b = _case(s, due=0), _case(s, due=-1)
        assert assign_cases(s, oslo, [a.id, b.id, a.id], colleague.user_id) == 2
        assert {a.assigned_to_id, b.assigned_to_id} == {colleague.user_id}
        assert sorted(_ids(_page(s, colleague, "assigned_to_me"))) == sorted([a.id, b.id])


def test_assigning_is_all_or_nothing(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        bergen_case = _case(s, "4601", due=0)
        oslo_case = _case(s, "0301", due=0)
        with pytest.raises(AccessDenied):
            assign_cases(s, oslo, [oslo_case.id, bergen_case.id], oslo.user_id)
        with pytest.raises(DomainError) as refused:
            assign_cases(s, oslo, [], oslo.user_id)
        assert refused.value.field == "saker"


def test_marking_selected_cases_done_records_todays_follow_ups_and_moves_them_off_the_list(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        cases = [
            register_index(
                s, oslo,
                IndexInput(person_id=make_person(s, first_name=f"P{i}", last_name="Hansen").id, org_unit_id=unit_id(s, "0301"),
                           test_date=days(-1), test_method="PCR", symptom_onset=days(-1)),
                today=TODAY,
            )
            for i in range(3)
        ]
        assert sorted(_ids(_page(s, oslo))) == sorted(c.id for c in cases)
        # when two of them are marked done from the list
        recorded = mark_follow_ups_done(s, oslo, [cases[0].id, cases[1].id], today=TODAY)
        # then today's follow-ups of those two are recorded as reached and only the third is left today
        assert recorded == 2
        done = s.scalars(select(FollowUp).where(FollowUp.case_id.in_([cases[0].id, cases[1].id]), FollowUp.due_date == TODAY)).all()
        assert {(f.outcome, f.done_by_id) for f in done} == {("reached", oslo.user_id)}
        assert _ids(_page(s, oslo)) == [cases[2].id]
        # and a case with nothing due is left alone
        assert mark_follow_ups_done(s, oslo, [cases[0].id], today=TODAY) == 0


def test_the_page_agrees_with_plain_sql(store):
    """The count is checked against hand-written SQL, independently of the query builder."""
    with store.session() as s:
        oslo = make_actor(s)
        for i in range(30):
            _case(s, ("0301", "030105", "4601")[i % 3], kind=("index", "contact")[i % 2], due=(i % 5) - 3)
        expected = s.execute(
            text(
                'SELECT count(*) FROM "case" c JOIN org_unit o ON o.id = c.org_unit_id '
                "WHERE o.path LIKE '/NO/03/0301/%' AND c.status = 'active' AND c.kind = 'index' AND c.next_follow_up <= :d"
            ),
            {"d": TODAY},
        ).scalar_one()
        assert _page(s, oslo).total == expected > 0


# --- the grid's shape (no store needed) -------------------------------------------------------------------


def test_grid_rows_read_norwegian_and_link_names_to_the_person_page():
    from components.worklist_grid import column_defs, grid_rows

    row = {
        "case_id": 7, "person_id": 42, "person_name": "Ødegård, Åse [x]", "birth_date": dt.date(2015, 3, 1), "age": 11,
        "phone": None, "org_unit_name": "Gamle Oslo", "kind": "contact", "status": "active", "enrolled_date": TODAY,
        "period_end": days(3), "next_follow_up": days(-1), "days_overdue": 1, "overdue": True, "assigned_to_id": None,
        "assigned_to_name": None, "rule_set": "standard", "chain_id": 3,
    }
    shown = grid_rows("contacts_today", [row])[0]
    assert shown["person_name"] == r"[Ødegård, Åse \[x\]](/person/42)"
    assert (shown["birth_date"], shown["kind"], shown["overdue"], shown["phone"]) == ("01.03.2015", "Nærkontakt", "Ja", "")
    assert (shown["row_id"], shown["case_id"], shown["person_id"]) == ("case_id-7", 7, 42)

    defs = {d["colId"]: d for d in column_defs("contacts_today", ["person_name", "age"])}
    assert set(defs) == set(WORKLISTS["contacts_today"].columns)
    assert [c for c, d in defs.items() if not d["hide"]] == ["person_name", "age"]
    assert (defs["age"]["filter"], defs["next_follow_up"]["filter"], defs["overdue"]["filter"]) == (
        "agNumberColumnFilter", "agDateColumnFilter", False)
    assert defs["person_name"]["cellRenderer"] == "markdown"


def test_filter_types_offered_by_the_grid_are_the_ones_the_query_takes():
    from data.queries.worklists import FILTER_TYPES, _case_columns, _result_columns, _FILTER_TYPE_OF_KIND, _UNIT

    built = {**_case_columns(TODAY, _UNIT, {}), **_result_columns(TODAY, _UNIT, Case.id, {})}
    assert {c: _FILTER_TYPE_OF_KIND.get(col.kind) for c, col in built.items()} == FILTER_TYPES
