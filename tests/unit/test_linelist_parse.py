"""Line-list reading and validation on messy real-world shapes: BOM, separators, title rows, every date format,
"ukjent", Norwegian and English headers, column mapping, row errors that name the field, pair orientation."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

import pytest
from openpyxl import Workbook

from data import national_id
from tracing.linelist.columns import MappingError, documentation, parse_mapping_text, setting_code
from tracing.linelist.parse import (
    KommuneLookup,
    NationalIdFacts,
    national_id_checker,
    parse_date,
    parse_linelist,
    _Bad,
)
from tracing.linelist.read import UnreadableFile, read_table, sniff_delimiter

DATA = Path(__file__).resolve().parents[1] / "data" / "linelist"
TODAY = dt.date(2024, 6, 1)
KOMMUNER = KommuneLookup(
    current=frozenset({"0301", "4601", "3201", "1508", "1580", "3101"}),
    renumbered={"3024": ("3201",), "1507": ("1508", "1580"), "3001": ("3101",)},
)


def table(text: str, name: str = "liste.csv", encoding: str = "utf-8"):
    return read_table(text.encode(encoding), name)


def parse(cases: str, links: str | None = None, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("kommuner", KOMMUNER)
    return parse_linelist(table(cases), table(links) if links is not None else None, **kwargs)


def fixture(name: str):
    return read_table((DATA / name).read_bytes(), name)


def errors_of(result) -> list[tuple[int, str]]:
    return [(e.row_number, e.field_nb) for e in result.errors]


# --- reading ------------------------------------------------------------------------------------------------------


def test_bom_semicolons_and_title_rows_are_read_with_file_row_numbers():
    result = parse_linelist(fixture("julebord_saker.csv"), fixture("julebord_par.csv"), kommuner=KOMMUNER, today=TODAY)

    assert result.errors == ()
    assert [c.external_id for c in result.cases] == [str(i) for i in range(1, 9)]
    # Two title rows and the header come first: the first case is row 4 of the file.
    assert [c.row_number for c in result.cases][:2] == [4, 5]
    first = result.cases[0]
    assert (first.symptom_onset, first.test_date, first.report_date) == (dt.date(2020, 12, 14), dt.date(2020, 12, 15), dt.date(2020, 12, 16))
    assert (first.cluster_name, first.setting, first.kommune_code, first.age, first.sex) == (
        "Julebord Aker brygge", "event", "0301", 34, "female"
    )


def test_the_separator_is_sniffed_whatever_the_text_cells_hold():
    assert sniff_delimiter("id;klynge;alder\n1;Fest, Aker brygge;34\n2;Fest, Aker brygge;40\n") == ";"
    assert sniff_delimiter("id,klynge,alder\n1,Fest,34\n2,Fest,40\n") == ","
    assert sniff_delimiter("id\tklynge\talder\n1\tFest; kor\t34\n") == "\t"


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_comma_semicolon_and_tab_files_give_the_same_cases(separator):
    text = separator.join(["id", "symptomstart", "alder"]) + "\n" + separator.join(["7", "01.03.2021", "40"]) + "\n"
    result = parse(text)
    assert result.errors == ()
    assert (result.cases[0].external_id, result.cases[0].symptom_onset, result.cases[0].age) == ("7", dt.date(2021, 3, 1), 40)


def test_windows_1252_files_from_norwegian_excel_are_decoded():
    t = table("Løpenr;Kjønn;Klynge\n1;K;Bærum sykehjem\n", encoding="cp1252")
    assert t.encoding == "cp1252"
    result = parse_linelist(t, kommuner=KOMMUNER, today=TODAY)
    assert result.errors == ()
    assert (result.cases[0].sex, result.cases[0].cluster_name) == ("female", "Bærum sykehjem")


def test_xlsx_with_a_title_row_and_date_cells_is_read(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Utbrudd kor mars 2021"])
    sheet.append(["Case ID", "Symptom onset", "Test date", "Age", "Municipality"])
    sheet.append([1, dt.datetime(2021, 3, 1), dt.date(2021, 3, 2), 51.0, 301])
    sheet.append(["2", "04.03.2021", 44261, None, "0301 Oslo"])  # 44261 = Excel serial for 2021-03-06
    buffer = io.BytesIO()
    book.save(buffer)

    result = parse_linelist(read_table(buffer.getvalue(), "kor.xlsx"), kommuner=KOMMUNER, today=TODAY)

    assert result.errors == ()
    one, two = result.cases
    assert (one.external_id, one.symptom_onset, one.test_date, one.age, one.kommune_code) == (
        "1", dt.date(2021, 3, 1), dt.date(2021, 3, 2), 51, "0301"
    )
    assert (one.row_number, two.row_number) == (3, 4)
    assert (two.symptom_onset, two.test_date, two.age, two.kommune_code) == (dt.date(2021, 3, 4), dt.date(2021, 3, 6), None, "0301")


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "tom.csv", "tom"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "gammel.xls", ".xls"),
        (b"PK\x03\x04 not really a workbook", "liste.xlsx", "Excel"),
    ],
)
def test_unreadable_files_are_refused_with_a_norwegian_reason(data, name, words):
    with pytest.raises(UnreadableFile) as refused:
        read_table(data, name)
    assert words in refused.value.message_nb


# --- values -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["01.03.2021", "1.3.2021", "01/03/2021", "1/3/21", "01.03.21", "2021-03-01", "2021/03/01", "2021-3-1",
     "2021-03-01 00:00:00", "01.03.2021 13:45", dt.date(2021, 3, 1), dt.datetime(2021, 3, 1, 8, 30), 44256],
)
def test_every_accepted_date_format_gives_the_same_day(cell):
    assert parse_date(cell, "symptomstart", TODAY) == dt.date(2021, 3, 1)


@pytest.mark.parametrize("cell", ["", "  ", "-", "–", "ukjent", "Ukjent", "UNKNOWN", "n/a", "ikke oppgitt", "?"])
def test_unknown_words_are_missing_dates(cell):
    assert parse_date(cell, "testdato", TODAY) is None


@pytest.mark.parametrize(("cell", "words"), [("32.01.2021", "dato som finnes"), ("mars 2021", "ikke en gyldig dato"), ("01.07.2024", "fram i tid")])
def test_bad_dates_are_refused_naming_the_field(cell, words):
    with pytest.raises(_Bad) as bad:
        parse_date(cell, "symptomstart", TODAY)
    assert str(bad.value).startswith("Symptomstart")
    assert words in str(bad.value)


@pytest.mark.parametrize(
    ("word", "code"),
    [("Husstand", "household"), ("hjemme", "household"), ("Skole", "school"), ("barnehage", "kindergarten"),
     ("Arbeidsplass", "workplace"), ("sykehjem", "health_institution"), ("Arrangement", "event"), ("fest", "event"),
     ("Reise", "travel"), ("annet", "other"), ("nursing home", "health_institution"), ("WORKPLACE", "workplace")],
)
def test_setting_words_in_norwegian_and_english_map_to_the_codes(word, code):
    assert setting_code(word) == code


def test_sex_words_and_ages_are_understood():
    result = parse("id;kjønn;alder\n1;K;34\n2;m;5 år\n3;Female;0\n4;mann;120\n5;ukjent;\n6;;ukjent\n")
    assert result.errors == ()
    assert [(c.sex, c.age) for c in result.cases] == [
        ("female", 34), ("male", 5), ("female", 0), ("male", 120), ("unknown", None), ("unknown", None)
    ]


def test_kommune_numbers_are_padded_and_2020_2023_numbers_renumbered():
    result = parse("id;kommune\n1;301\n2;3024\n3;3201\n4;0301 Oslo\n")
    assert result.errors == ()
    assert [c.kommune_code for c in result.cases] == ["0301", "3201", "3201", "0301"]


def test_unknown_and_split_kommune_numbers_are_row_errors():
    result = parse("id;kommune\n1;9999\n2;1507\n3;Oslo\n")
    assert errors_of(result) == [(2, "kommune"), (3, "kommune"), (4, "kommune")]
    assert "1508, 1580" in result.errors[1].message_nb


# --- headers and mapping ------------------------------------------------------------------------------------------


def test_norwegian_and_english_headers_give_the_same_rows():
    norwegian = parse("Løpenr;Symptomstart;Testdato;Meldedato;Klynge;Arena;Kommune;Alder;Kjønn\n1;01.03.2021;02.03.2021;03.03.2021;Kor;arrangement;0301;51;K\n")
    english = parse("Case ID,Symptom onset,Test date,Report date,Cluster,Setting,Municipality,Age,Sex\n1,2021-03-01,2021-03-02,2021-03-03,Kor,event,301,51,female\n")
    assert norwegian.errors == english.errors == ()
    assert norwegian.cases == english.cases


def test_headers_match_whatever_the_case_spacing_and_underscores():
    result = parse("CASE_ID;symptom_onset;TEST-DATE;fodselsnummer\n1;01.03.2021;02.03.2021;\n")
    assert result.errors == ()
    assert result.cases[0].test_date == dt.date(2021, 3, 2)


def test_a_mapping_names_columns_with_the_users_own_words():
    mapping = parse_mapping_text("Pasientnr = id\nDato syk: symptomstart\n# comment\n\nProvedato -> test date")
    assert mapping == {"Pasientnr": "id", "Dato syk": "symptomstart", "Provedato": "test date"}
    result = parse("Pasientnr;Dato syk;Provedato;Bydel\n1;01.03.2021;02.03.2021;Frogner\n", mapping=mapping)
    assert result.errors == ()
    assert (result.cases[0].symptom_onset, result.cases[0].test_date) == (dt.date(2021, 3, 1), dt.date(2021, 3, 2))
    assert result.ignored_columns == ("Bydel",)


def test_a_mapping_to_an_unknown_field_is_reported():
    result = parse("Pasientnr;Dato\n1;01.03.2021\n", mapping={"Dato": "sykedato"})
    assert [(e.row_number, e.field_nb, e.file_nb) for e in result.errors] == [(0, "kolonnekobling", "kolonnekobling")]
    assert "sykedato" in result.errors[0].message_nb
    with pytest.raises(MappingError):
        parse_mapping_text("bare tekst uten likhetstegn")


def test_a_file_without_known_columns_or_without_id_is_reported_at_the_header():
    assert errors_of(parse("a;b;c\n1;2;3\n")) == [(0, "kolonner")]
    assert errors_of(parse("Tittel\nSymptomstart;Testdato\n01.03.2021;02.03.2021\n")) == [(2, "id")]
    assert errors_of(parse("id;Symptomstart;Symptom onset\n1;01.03.2021;01.03.2021\n")) == [(1, "symptomstart")]


def test_analysis_mode_never_reads_national_ids_or_names():
    number = national_id.generate(dt.date(1985, 6, 15), rng=random.Random(3))
    result = parse(f"id;fødselsnummer;fornavn;etternavn\n1;{number};Kari;Nordmann\n")
    assert result.errors == ()
    assert (result.cases[0].national_id, result.cases[0].first_name) == (None, None)
    assert result.ignored_columns == ("fødselsnummer", "fornavn", "etternavn")


def test_the_column_documentation_lists_every_field():
    rows = documentation()
    assert ("Saksfil", "symptomstart") in {(r[0], r[1]) for r in rows}
    assert ("Parfil", "relatert sak") in {(r[0], r[1]) for r in rows}


# --- row errors ---------------------------------------------------------------------------------------------------


def test_every_faulty_cell_is_reported_with_row_and_field():
    result = parse_linelist(fixture("julebord_feil.csv"), kommuner=KOMMUNER, today=TODAY)
    assert errors_of(result) == [(3, "symptomstart"), (4, "id"), (5, "kjønn")]
    assert "rad 2" in result.errors[1].message_nb
    assert "hest" in result.errors[2].message_nb
    assert all(e.file_nb == "saksfil" for e in result.errors)


def test_a_row_may_have_several_faults_and_all_are_reported():
    result = parse("id;symptomstart;alder;kjønn\n1;31.02.2021;200;ku\n")
    assert errors_of(result) == [(2, "symptomstart"), (2, "alder"), (2, "kjønn")]


def test_ids_that_are_national_numbers_are_refused_without_showing_them():
    number = national_id.generate(dt.date(1990, 1, 2), rng=random.Random(5))
    result = parse(f"id;symptomstart;alder\n{number};{number};{number}\n")
    assert errors_of(result) == [(2, "id"), (2, "symptomstart"), (2, "alder")]
    assert "fødselsnummer" in result.errors[0].message_nb
    assert all(number not in e.message_nb and number[:6] not in e.message_nb for e in result.errors)


def test_cases_mode_requires_a_valid_national_id_and_reports_without_it():
    check = national_id_checker(lambda text: national_id.parse(text, allow_synthetic=True), TODAY)
    good = national_id.generate(dt.date(1985, 6, 15), rng=random.Random(7), sex="female")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    result = parse(
        f"id;fødselsnummer;fornavn;testdato\n1;{good};Kari;01.03.2021\n2;{bad};Ola;01.03.2021\n3;;Per;01.03.2021\n4;{good};Kari;\n",
        mode="cases", check_national_id=check,
    )
    assert errors_of(result) == [(3, "fødselsnummer"), (4, "fødselsnummer"), (5, "fødselsnummer"), (5, "testdato")]
    assert "rad 2" in result.errors[2].message_nb
    assert all(good not in e.message_nb and bad not in e.message_nb for e in result.errors)
    missing_column = parse("id;testdato\n1;01.03.2021\n", mode="cases", check_national_id=check)
    assert errors_of(missing_column) == [(1, "fødselsnummer")]


def test_cases_mode_takes_birth_date_and_sex_from_the_number():
    number = national_id.generate(dt.date(1985, 6, 15), rng=random.Random(9), sex="male")
    check = national_id_checker(lambda text: national_id.parse(text, allow_synthetic=True), TODAY)
    result = parse(f"id;fnr;testdato\n1;{number};01.03.2021\n", mode="cases", check_national_id=check)
    assert result.errors == ()
    case = result.cases[0]
    assert (case.national_id, case.birth_date, case.sex) == (number, dt.date(1985, 6, 15), "male")
    assert number not in repr(case)


def test_checker_facts_do_not_show_the_number():
    assert "12345" not in repr(NationalIdFacts("12345678901", None, "male"))


# --- pairs --------------------------------------------------------------------------------------------------------

CASES = "id;symptomstart;testdato\nA;01.03.2021;03.03.2021\nB;04.03.2021;05.03.2021\nC;04.03.2021;04.03.2021\nD;;\nE;;\n"


def test_directed_pairs_are_kept_as_given_and_cases_without_pairs_stay():
    result = parse(CASES, "smitter;smittet\nB;A\nA;C\n")
    assert result.errors == ()
    assert [(link.infector, link.infectee, link.directed) for link in result.links] == [("B", "A", True), ("A", "C", True)]
    assert len(result.cases) == 5  # D and E have no pair: zero offspring, still cases


def test_undirected_pairs_are_oriented_by_onset_then_test_date_then_case_file_order():
    result = parse(CASES, "case_id,related_case_id\nB,A\nB,C\nE,D\n")
    assert result.errors == ()
    assert [(link.infector, link.infectee, link.directed) for link in result.links] == [
        ("A", "B", False),  # earlier onset
        ("C", "B", False),  # equal onsets: earlier test date
        ("D", "E", False),  # nothing to go by: D comes first in the case file
    ]
    assert result.undirected_links == 3


def test_a_direction_column_can_mark_a_pair_undirected():
    result = parse(CASES, "smitter;smittet;retning\nB;A;nei\nA;C;ja\nC;E;\n")
    assert result.errors == ()
    assert [(link.infector, link.infectee, link.directed) for link in result.links] == [("A", "B", False), ("A", "C", True), ("C", "E", True)]


def test_duplicate_pairs_are_kept_once_preferring_the_directed_row():
    result = parse(CASES, "smitter;smittet;retning\nA;B;nei\nB;A;nei\nB;A;ja\nB;A;ja\n")
    assert result.errors == ()
    assert [(link.row_number, link.infector, link.infectee, link.directed) for link in result.links] == [(4, "B", "A", True)]


def test_unknown_ids_self_pairs_contradictions_and_cycles_are_row_errors():
    result = parse(CASES, "smitter;smittet;eksponeringsdato\nA;X;\nC;C;\nA;B;32.01.2021\nA;B;\nB;A;\nB;C;\nC;D;\nD;B;\n;A;\n")
    assert [(e.row_number, e.field_nb) for e in result.errors] == [
        (2, "smittet"),  # X is not in the case file
        (3, "smittet"),  # C infects C
        (4, "eksponeringsdato"),
        (6, "smittet"),  # B -> A contradicts A -> B on row 5
        (10, "smitter"),  # empty
        (7, "smittet"),  # B -> C -> D -> B
    ]
    assert all(e.file_nb == "parfil" for e in result.errors)
    assert "rad 5" in result.errors[3].message_nb
    assert "7, 8, 9" in result.errors[5].message_nb


def test_a_pair_file_needs_both_ends():
    result = parse(CASES, "smitter;arena\nA;skole\n")
    assert errors_of(result) == [(1, "smitter")]


def test_pairs_naming_a_refused_case_row_are_not_reported_twice():
    result = parse("id;symptomstart\nA;01.03.2021\nB;99.99.2021\n", "smitter;smittet\nA;B\n")
    assert errors_of(result) == [(3, "symptomstart")]
    # A repeated id refuses the second row only: pairs naming the id still check against the first.
    repeated = parse("id\nA\nB\nA\n", "smitter;smittet\nA;B\nA;A\n")
    assert errors_of(repeated) == [(4, "id"), (3, "smittet")]
