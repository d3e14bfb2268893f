"""Rows of a line list into validated cases and transmission pairs, or a report of every row that is wrong.

Validation is all-or-nothing for the file but not for the report: every faulty cell of every row is reported
(row number as in the file, the field's Norwegian name, a Norwegian message), so the user fixes the file once.
A value is echoed back in a message only when it cannot be a personal number (see ``_shown``), and ids are
never echoed: a line list's ids are sometimes personal.

Pairs: a pair file gives either directed pairs (smitter -> smittet; an optional "retning" column can mark a row
undirected) or undirected "related cases" (sak, relatert sak). Undirected pairs are oriented by symptom onset:
the earlier onset is the infector; with equal or missing onsets, the earlier test date; failing both, the case
listed first *in the case file*. Using the case file's order (rather than the pair file's) makes the tie-break
a total order, so undirected pairs alone can never form a cycle. Pairs listed twice are kept once (a directed
row wins over an undirected one); the same pair directed both ways, and any cycle of pairs, is an error.
Cases without a pair are kept: they are cases with no known offspring.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from data import national_id as national_ids
from tracing.linelist.columns import (
    CASE_ALIASES,
    CASE_FIELD,
    LINK_ALIASES,
    LINK_FIELD,
    MappingError,
    match_header,
    normalise,
    resolve_mapping,
    setting_code,
)
from tracing.linelist.read import Cell, Table
from tracing.vocabulary import EXPOSURE_SETTING_NB

MODES = ("analysis", "cases")
CASE_FILE_NB = "saksfil"
LINK_FILE_NB = "parfil"
MAPPING_NB = "kolonnekobling"
HEADER_SEARCH_ROWS = 30
ID_MAX = 64
CLUSTER_MAX = 200
NAME_MAX = 100
OLDEST_AGE = 120
DATE_HELP = "Skriv datoen som dd.mm.åååå (også dd/mm/åååå, d/m/åå, åååå-mm-dd og åååå/mm/dd godtas)."

_MISSING = frozenset(normalise(w) for w in ("", "-", "–", "—", "?", "ukjent", "ikke oppgitt", "ikke kjent", "unknown",
                                             "na", "n/a", "nan", "none", "null", "missing", "mangler"))
_MISSING_MAX = 16  # longer text is never one of the words above
_DAY_FIRST = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[./-](\d{1,2})[./-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DAY_FIRST_TIME = re.compile(r"^(\d{1,2}[./-]\d{1,2}[./-]\d{2,4})[ T]\d{1,2}:\d{2}(?::\d{2})?$")
_KOMMUNE = re.compile(r"^(\d{3,4})(?:\D.*)?$")
_AGE = re.compile(r"^(\d{1,3})(?:[.,]0+)?(?:\s*år)?$")
_DIGIT_RUN = re.compile(r"\d{6,}")
_EXCEL_EPOCH = dt.date(1899, 12, 30)

_SEX = {
    **{normalise(w): "female" for w in ("kvinne", "k", "kv", "f", "female", "woman", "w", "jente", "girl", "hunn")},
    **{normalise(w): "male" for w in ("mann", "m", "male", "man", "gutt", "boy", "hann")},
    **{normalise(w): "unknown" for w in ("u", "ukjent", "unknown", "annet", "other", "x")},
}
_YES = frozenset(normalise(w) for w in ("ja", "j", "yes", "y", "true", "sann", "1", "x", "rettet", "directed"))
_NO = frozenset(normalise(w) for w in ("nei", "n", "no", "false", "usann", "0", "urettet", "undirected", "relatert"))


@dataclass(frozen=True)
class RowError:
    """One fault: ``row_number`` as in the file (0: the file as a whole), the field's Norwegian name, the message,
    and which file (saksfil / parfil / kolonnekobling)."""

    row_number: int
    field_nb: str
    message_nb: str
    file_nb: str = CASE_FILE_NB


@dataclass(frozen=True)
class KommuneLookup:
    """The 2024 kommune numbers, and the 2020-2023 numbers that changed (old -> new; several when split)."""

    current: frozenset[str]
    renumbered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class NationalIdFacts:
    value: str = field(repr=False)
    birth_date: dt.date | None
    sex: str


@dataclass(frozen=True)
class CaseRow:
    row_number: int
    external_id: str = field(repr=False)
    symptom_onset: dt.date | None = None
    test_date: dt.date | None = None
    report_date: dt.date | None = None
    cluster_name: str | None = None
    setting: str | None = None
    kommune_code: str | None = None
    age: int | None = None
    sex: str = "unknown"
    # "cases" mode only; never stored in an analysis outbreak.
    national_id: str | None = field(default=None, repr=False)
    birth_date: dt.date | None = field(default=None, repr=False)
    first_name: str | None = field(default=None, repr=False)
    last_name: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LinkRow:
    """An oriented pair. ``directed`` False: the file gave no direction and it was inferred (see module doc)."""

    row_number: int
    infector: str = field(repr=False)
    infectee: str = field(repr=False)
    directed: bool = True
    setting: str | None = None
    exposure_date: dt.date | None = None


@dataclass(frozen=True)
class LineList:
    cases: tuple[CaseRow, ...]
    links: tuple[LinkRow, ...]
    errors: tuple[RowError, ...]
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def undirected_links(self) -> int:
        return sum(1 for link in self.links if not link.directed)


class _Bad(ValueError):
    """A cell's fault, carrying the Norwegian message (internal: collected into RowError)."""


# --- single values --------------------------------------------------------------------------------------------------


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (dt.datetime, dt.date)):
        return cell.isoformat()
    return " ".join(str(cell).split())


def is_missing(cell: Cell) -> bool:
    """Empty, "-", "ukjent", "unknown" and the like (case-insensitive)."""
    if isinstance(cell, (int, float, dt.date)):
        return False
    text = str(cell).strip()
    if not text:
        return True
    if len(text) > _MISSING_MAX or any(c.isdigit() for c in text):
        return False
    return normalise(text) in _MISSING


def _shown(cell: Cell) -> str:
    """« value » for a message, or "" when the value could be a personal number (a run of six or more digits)."""
    text = _text(cell)
    if not text or _DIGIT_RUN.search(text.replace(" ", "")):
        return ""
    return f" «{text[:30]}{'…' if len(text) > 30 else ''}»"


def _two_digit_year(yy: int, today: dt.date) -> int:
    year = 2000 + yy
    return year if year <= today.year + 1 else 1900 + yy


def parse_date(cell: Cell, label: str, today: dt.date) -> dt.date | None:
    """A date cell in any accepted format; missing words give None; a bad or future date raises ``_Bad``."""
    if is_missing(cell):
        return None
    value: dt.date | None = None
    if isinstance(cell, dt.datetime):
        value = cell.date()
    elif isinstance(cell, dt.date):
        value = cell
    elif isinstance(cell, (int, float)):
        # An Excel date cell without a date format arrives as its serial number.
        if 20_000 <= cell <= 80_000:
            value = _EXCEL_EPOCH + dt.timedelta(days=int(cell))
    else:
        text = _text(cell)
        if timed := _DAY_FIRST_TIME.match(text):
            text = timed[1]
        try:
            if match := _DAY_FIRST.match(text):
                year = int(match[3]) if len(match[3]) == 4 else _two_digit_year(int(match[3]), today)
                value = dt.date(year, int(match[2]), int(match[1]))
            elif match := _YEAR_FIRST.match(text):
                value = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise _Bad(f"{label.capitalize()}{_shown(cell)} er ikke en dato som finnes. {DATE_HELP}") from None
    if value is None:
        raise _Bad(f"{label.capitalize()}{_shown(cell)} er ikke en gyldig dato. {DATE_HELP}")
    if value > today:
        raise _Bad(f"{label.capitalize()} kan ikke være fram i tid.")
    if value.year < 1900:
        raise _Bad(f"{label.capitalize()} er for langt tilbake i tid.")
    return value


def parse_id(cell: Cell, label: str = "id") -> str | None:
    """A case id as text ("12" for an Excel 12.0); None when empty. Refuses ids that are fødselsnummer."""
    if is_missing(cell):
        return None
    text = _text(cell)
    if len(text) > ID_MAX:
        raise _Bad(f"{label.capitalize()} kan ikke være lenger enn {ID_MAX} tegn.")
    compact = text.replace(" ", "")
    if len(compact) == 11 and compact.isdigit() and national_ids.is_valid(compact, allow_synthetic=True):
        raise _Bad(
            f"{label.capitalize()} ser ut som et fødselsnummer. Bruk et løpenummer som id; "
            "fødselsnummer hører hjemme i kolonnen fødselsnummer."
        )
    return text


def parse_setting(cell: Cell, label: str = "arena") -> str | None:
    if is_missing(cell):
        return None
    code = setting_code(_text(cell))
    if code is None:
        words = ", ".join(w.lower() for w in EXPOSURE_SETTING_NB.values())
        raise _Bad(f"Ukjent {label}{_shown(cell)}. Bruk en av: {words} (eller engelske ord som household, school).")
    return code


def parse_sex(cell: Cell) -> str:
    if is_missing(cell):
        return "unknown"
    sex = _SEX.get(normalise(cell))
    if sex is None:
        raise _Bad(f"Ukjent kjønn{_shown(cell)}. Bruk kvinne, mann eller ukjent (K/M, female/male/F).")
    return sex


def parse_age(cell: Cell) -> int | None:
    if is_missing(cell):
        return None
    if isinstance(cell, (int, float)) and float(cell).is_integer():
        age = int(cell)
    elif match := _AGE.match(_text(cell).lower()):
        age = int(match[1])
    else:
        raise _Bad(f"Alder{_shown(cell)} må være et helt tall år.")
    if not 0 <= age <= OLDEST_AGE:
        raise _Bad(f"Alder må være mellom 0 og {OLDEST_AGE} år.")
    return age


def parse_kommune(cell: Cell, kommuner: KommuneLookup | None) -> str | None:
    """A 4-digit kommune number (a leading zero lost by Excel is put back); 2020-2023 numbers become 2024's."""
    if is_missing(cell):
        return None
    match = _KOMMUNE.match(_text(cell))
    if match is None:
        raise _Bad(f"Kommune{_shown(cell)} må være et kommunenummer med fire siffer.")
    code = match[1].zfill(4)
    if kommuner is None or code in kommuner.current and code not in kommuner.renumbered:
        return code
    new = kommuner.renumbered.get(code)
    if new is not None:
        if len(new) == 1:
            return new[0]
        raise _Bad(
            f"Kommune {code} ble delt i 2024 ({', '.join(new)}). Oppgi det nye kommunenummeret for tilfellet."
        )
    if code in kommuner.current:
        return code
    raise _Bad(f"Kommune {code} finnes ikke (verken som 2024-nummer eller som nummer fra 2020–2023).")


def parse_directed(cell: Cell) -> bool:
    if is_missing(cell) and normalise(cell) not in _NO:
        return True
    key = normalise(cell)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise _Bad(f"Retning{_shown(cell)} må være ja (rettet) eller nei (urettet).")


def _short_text(cell: Cell, label: str, max_length: int) -> str | None:
    if is_missing(cell):
        return None
    text = _text(cell)
    if len(text) > max_length:
        raise _Bad(f"{label.capitalize()} kan ikke være lenger enn {max_length} tegn.")
    return text


def _name(cell: Cell, label: str) -> str | None:
    text = _short_text(cell, label, NAME_MAX)
    if text is None:
        return None
    if any(c.isdigit() for c in text):
        raise _Bad(f"{label.capitalize()} kan ikke inneholde siffer.")
    if not any(c.isalpha() for c in text):
        raise _Bad(f"{label.capitalize()} må inneholde bokstaver.")
    return text


# --- the header -------------------------------------------------------------------------------------------------


def find_header(table: Table, aliases: Mapping[str, str], mapping: Mapping[str, str]) -> tuple[int, dict[int, str]] | None:
    """(row index, {column -> field}) of the header: the first row where at least two cells name known fields.

    Title rows above it ("Utbrudd på X, eksportert ...") match at most one name and are skipped. A one-column file
    has a header whose only cell names a field.
    """
    fallback = None
    for index, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        matched = match_header(row, aliases, mapping)
        if len(matched) >= 2:
            return index, matched
        filled = [c for c in row if _text(c)]
        if fallback is None and len(matched) == 1 and len(filled) == 1:
            fallback = (index, matched)
    return fallback


def _columns(
    table: Table, aliases: Mapping[str, str], mapping: Mapping[str, str], names_nb: Mapping[str, str], file_nb: str
) -> tuple[int, dict[str, int], list[str], list[RowError]]:
    """Header row index, {field -> column}, unused header names, and header errors (two columns for one field)."""
    found = find_header(table, aliases, mapping)
    if found is None:
        return -1, {}, [], [
            RowError(0, "kolonner", "Fant ingen overskriftsrad med kjente kolonnenavn (se dokumentasjonen av kolonnene).", file_nb)
        ]
    index, matched = found
    header = table.rows[index]
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for column, code in matched.items():
        if code in columns:
            first = _text(header[columns[code]])
            errors.append(
                RowError(index + 1, names_nb[code], f"Kolonnene «{first}» og «{_text(header[column])}» gir begge {names_nb[code]}.", file_nb)
            )
        else:
            columns[code] = column
    ignored = [_text(c) for i, c in enumerate(header) if i not in matched and _text(c)]
    return index, columns, ignored, errors


def _cell(row: Sequence[Cell], column: int | None) -> Cell:
    if column is None or column >= len(row):
        return ""
    return row[column]


def _taker(
    faults: list[RowError], row_number: int, row: Sequence[Cell], columns: Mapping[str, int], names: Mapping[str, str],
    file_nb: str,
) -> Callable[[str, Callable[[Cell], object]], object]:
    """``take(code, parse)`` for one row: the parsed cell, or None with the fault noted under the field's name."""

    def take(code: str, parse: Callable[[Cell], object]) -> object:
        try:
            return parse(_cell(row, columns.get(code)))
        except _Bad as bad:
            faults.append(RowError(row_number, names[code], str(bad), file_nb))
            return None

    return take


def _data_rows(table: Table, header_index: int):  # type: ignore[no-untyped-def]
    for index in range(header_index + 1, len(table.rows)):
        row = table.rows[index]
        if any(_text(c) for c in row):
            yield index + 1, row


# --- the case file ----------------------------------------------------------------------------------------------


def _case_names() -> dict[str, str]:
    return {code: f.name_nb for code, f in CASE_FIELD.items()}


def parse_cases(
    table: Table,
    *,
    mode: str,
    mapping: Mapping[str, str],
    kommuner: KommuneLookup | None,
    today: dt.date,
    check_national_id: Callable[[str], NationalIdFacts] | None,
) -> tuple[list[CaseRow], list[str], list[RowError], set[str]]:
    """Cases, unused column names, faults, and the ids of rows refused (their pairs are not reported again)."""
    names = _case_names()
    header, columns, ignored, errors = _columns(table, CASE_ALIASES, mapping, names, CASE_FILE_NB)
    if header < 0:
        return [], [], errors, set()
    if "id" not in columns:
        errors.append(RowError(header + 1, "id", "Saksfila mangler kolonnen id (tilfellets nummer).", CASE_FILE_NB))
    if mode == "cases" and "national_id" not in columns:
        errors.append(RowError(header + 1, "fødselsnummer", "Kolonnen fødselsnummer mangler; den er påkrevd for ekte saker.", CASE_FILE_NB))
    if mode == "analysis":
        # Never read, so a fødselsnummer or name in the file cannot reach the analysis tables.
        for code in ("national_id", "first_name", "last_name"):
            if code in columns:
                ignored.append(_text(table.rows[header][columns.pop(code)]))
    if errors:
        return [], ignored, errors, set()

    cases: list[CaseRow] = []
    refused_ids: set[str] = set()
    seen: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    for row_number, row in _data_rows(table, header):
        faults: list[RowError] = []

        take = _taker(faults, row_number, row, columns, names, CASE_FILE_NB)

        external_id = take("id", parse_id)
        if external_id is None and not any(f.field_nb == "id" for f in faults):
            faults.append(RowError(row_number, "id", "Id må fylles ut.", CASE_FILE_NB))
        elif isinstance(external_id, str):
            if external_id in seen:
                faults.append(RowError(row_number, "id", f"Samme id som rad {seen[external_id]}; hver id kan bare stå én gang.", CASE_FILE_NB))
            else:
                seen[external_id] = row_number
        onset = take("symptom_onset", lambda c: parse_date(c, "symptomstart", today))
        test_date = take("test_date", lambda c: parse_date(c, "testdato", today))
        report_date = take("report_date", lambda c: parse_date(c, "meldedato", today))
        cluster = take("cluster", lambda c: _short_text(c, "klynge", CLUSTER_MAX))
        setting = take("setting", parse_setting)
        kommune = take("kommune", lambda c: parse_kommune(c, kommuner))
        age = take("age", parse_age)
        sex = take("sex", parse_sex)
        facts: NationalIdFacts | None = None
        first = last = None
        if mode == "cases":
            facts = take("national_id", lambda c: _national_id(c, check_national_id))  # type: ignore[assignment]
            if facts is not None:
                if facts.value in seen_numbers:
                    faults.append(RowError(row_number, "fødselsnummer", f"Samme fødselsnummer som rad {seen_numbers[facts.value]}.", CASE_FILE_NB))
                else:
                    seen_numbers[facts.value] = row_number
            first = take("first_name", lambda c: _name(c, "fornavn"))
            last = take("last_name", lambda c: _name(c, "etternavn"))
            if onset is None and test_date is None and not any(f.field_nb in ("symptomstart", "testdato") for f in faults):
                faults.append(
                    RowError(row_number, "testdato", "Testdato eller symptomstart må fylles ut for ekte saker (isolasjonen regnes fra dem).", CASE_FILE_NB)
                )
        if faults:
            errors.extend(faults)
            if isinstance(external_id, str):
                refused_ids.add(external_id)
            continue
        cases.append(
            CaseRow(
                row_number=row_number,
                external_id=external_id,  # type: ignore[arg-type]
                symptom_onset=onset,  # type: ignore[arg-type]
                test_date=test_date,  # type: ignore[arg-type]
                report_date=report_date,  # type: ignore[arg-type]
                cluster_name=cluster,  # type: ignore[arg-type]
                setting=setting,  # type: ignore[arg-type]
                kommune_code=kommune,  # type: ignore[arg-type]
                age=age,  # type: ignore[arg-type]
                sex=sex if sex not in (None, "unknown") else (facts.sex if facts else "unknown"),  # type: ignore[arg-type]
                national_id=facts.value if facts else None,
                birth_date=facts.birth_date if facts else None,
                first_name=first,  # type: ignore[arg-type]
                last_name=last,  # type: ignore[arg-type]
            )
        )
    if not cases and not errors:
        errors.append(RowError(header + 1, "id", "Saksfila har ingen tilfeller under overskriftsraden.", CASE_FILE_NB))
    return cases, ignored, errors, refused_ids


def _national_id(cell: Cell, check: Callable[[str], NationalIdFacts] | None) -> NationalIdFacts:
    if is_missing(cell):
        raise _Bad("Fødselsnummer må fylles ut for ekte saker.")
    if check is None:
        raise _Bad("Fødselsnummer kan ikke kontrolleres her.")
    text = _text(cell)
    if isinstance(cell, (int, float)):
        text = text.zfill(11)  # Excel drops the leading zero of a number typed as a number
    return check(text)


# --- the pair file ----------------------------------------------------------------------------------------------


def parse_links(
    table: Table,
    cases: Sequence[CaseRow],
    *,
    mapping: Mapping[str, str],
    today: dt.date,
    refused_ids: frozenset[str] | set[str] = frozenset(),
) -> tuple[list[LinkRow], list[str], list[RowError]]:
    """Oriented, de-duplicated pairs between known cases. A pair naming a case whose own row was refused is
    skipped without a second message (the file is rejected for that row anyway)."""
    names = {code: f.name_nb for code, f in LINK_FIELD.items()}
    header, columns, ignored, errors = _columns(table, LINK_ALIASES, mapping, names, LINK_FILE_NB)
    if header < 0:
        return [], [], errors
    if "infector" in columns and "infectee" in columns:
        first, second, undirected_file = "infector", "infectee", False
    elif "case" in columns and "related_case" in columns:
        first, second, undirected_file = "case", "related_case", True
    else:
        errors.append(
            RowError(header + 1, "smitter", "Parfila må ha kolonnene smitter og smittet, eller sak og relatert sak.", LINK_FILE_NB)
        )
        return [], ignored, errors
    if errors:
        return [], ignored, errors

    by_id = {c.external_id: c for c in cases}
    kept: dict[frozenset[str], LinkRow] = {}
    for row_number, row in _data_rows(table, header):
        faults: list[RowError] = []

        take = _taker(faults, row_number, row, columns, names, LINK_FILE_NB)

        ends = []
        skip = False
        for code in (first, second):
            before = len(faults)
            value = take(code, lambda c, code=code: parse_id(c, names[code]))
            if value is None and len(faults) == before:
                faults.append(RowError(row_number, names[code], f"{names[code].capitalize()} må fylles ut.", LINK_FILE_NB))
            elif isinstance(value, str) and value not in by_id and value in refused_ids:
                skip = True
            elif isinstance(value, str) and value not in by_id:
                faults.append(RowError(row_number, names[code], f"{names[code].capitalize()} finnes ikke i saksfila.", LINK_FILE_NB))
            ends.append(value)
        if len(ends) == 2 and ends[0] is not None and ends[0] == ends[1]:
            faults.append(RowError(row_number, names[second], "Et tilfelle kan ikke smitte seg selv.", LINK_FILE_NB))
        setting = take("setting", parse_setting)
        exposure_date = take("exposure_date", lambda c: parse_date(c, "eksponeringsdato", today))
        directed = not undirected_file and take("directed", parse_directed) is not False
        if faults or skip:
            errors.extend(faults)
            continue
        a, b = by_id[ends[0]], by_id[ends[1]]  # type: ignore[index]
        infector, infectee = (a, b) if directed else orient(a, b)
        link = LinkRow(row_number, infector.external_id, infectee.external_id, directed, setting, exposure_date)  # type: ignore[arg-type]
        key = frozenset((infector.external_id, infectee.external_id))
        earlier = kept.get(key)
        if earlier is None or (directed and not earlier.directed):
            kept[key] = link
        elif directed and earlier.directed and earlier.infector != link.infector:
            errors.append(RowError(row_number, names[second], f"Paret står med motsatt retning på rad {earlier.row_number}.", LINK_FILE_NB))
    links = sorted(kept.values(), key=lambda link: link.row_number)
    errors.extend(_cycles(links, names[second]))
    return links, ignored, errors


def orient(a: CaseRow, b: CaseRow) -> tuple[CaseRow, CaseRow]:
    """(infector, infectee) of an undirected pair: earlier onset, else earlier test date, else case-file order."""
    for attribute in ("symptom_onset", "test_date"):
        x, y = getattr(a, attribute), getattr(b, attribute)
        if x is not None and y is not None and x != y:
            return (a, b) if x < y else (b, a)
    return (a, b) if a.row_number <= b.row_number else (b, a)


def _cycles(links: Sequence[LinkRow], field_nb: str) -> list[RowError]:
    """One error per cycle of pairs (a strongly connected group of more than one case), on its first row."""
    graph = nx.DiGraph()
    graph.add_edges_from((link.infector, link.infectee, {"row": link.row_number}) for link in links)
    errors = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        rows = sorted(graph.edges[u, v]["row"] for u, v in graph.subgraph(component).edges)
        shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        errors.append(
            RowError(rows[0], field_nb, f"Parene på radene {shown} danner en sirkel: et tilfelle kan ikke smitte seg selv via andre.", LINK_FILE_NB)
        )
    return errors


# --- the whole line list ----------------------------------------------------------------------------------------


def parse_linelist(
    cases: Table,
    links: Table | None = None,
    *,
    mode: str = "analysis",
    mapping: Mapping[str, str] | None = None,
    kommuner: KommuneLookup | None = None,
    today: dt.date,
    check_national_id: Callable[[str], NationalIdFacts] | None = None,
) -> LineList:
    """Validate a case file and an optional pair file (nothing is stored here). ``check_national_id`` is needed in
    mode "cases" only: build it with ``national_id_checker``. ``kommuner`` None checks only the number's shape."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    try:
        resolved = resolve_mapping(mapping)
    except MappingError as error:
        return LineList((), (), (RowError(0, MAPPING_NB, error.message_nb, MAPPING_NB),))
    case_rows, ignored, errors, refused_ids = parse_cases(
        cases, mode=mode, mapping=resolved, kommuner=kommuner, today=today, check_national_id=check_national_id
    )
    link_rows: list[LinkRow] = []
    if links is not None and (case_rows or refused_ids):  # no usable case file: its faults come first
        link_rows, ignored_links, link_errors = parse_links(
            links, case_rows, mapping=resolved, today=today, refused_ids=refused_ids
        )
        ignored += [f"{name} (parfil)" for name in ignored_links]
        errors += link_errors
    return LineList(tuple(case_rows), tuple(link_rows), tuple(errors), tuple(dict.fromkeys(ignored)))


def national_id_checker(parse: Callable[[str], national_ids.NationalId], today: dt.date) -> Callable[[str], NationalIdFacts]:
    """A ``check_national_id`` from a validating parser (tracing.persons.parse_national_id in the store): its
    refusal, whatever its type, becomes the row's fault with the parser's own (number-free) message."""

    def check(text: str) -> NationalIdFacts:
        try:
            parsed = parse(text)
        except Exception as error:  # DomainError or NationalIdError: both carry a fixed Norwegian sentence
            message = getattr(error, "message_nb", None) or getattr(error, "message", None) or "Ugyldig fødselsnummer."
            raise _Bad(message) from None
        if parsed.birth_date is not None and parsed.birth_date > today:
            raise _Bad("Fødselsdatoen i fødselsnummeret er fram i tid.")
        return NationalIdFacts(parsed.value, parsed.birth_date, national_ids.sex_of(parsed))

    return check
