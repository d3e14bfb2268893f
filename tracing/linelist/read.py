"""A line-list file (CSV or XLSX) as rows of cells, however the spreadsheet that wrote it was set up.

CSV files come in UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"), or in Windows-1252 (Excel's
plain "CSV" on a Norwegian machine); separated by semicolons (Excel with a Norwegian locale, where the comma is
the decimal sign), commas or tabs. The separator is chosen by which one splits the first lines most
consistently into the most columns. XLSX is read with openpyxl: the first sheet, with date cells as dates.

Rows keep their file row numbers (the numbers Excel shows), so every error can point at the row to fix. Finding
the header row (there may be title rows above it) is parse.py's job: only it knows the column names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass

MAX_ROWS = 200_000
MAX_BYTES = 50 * 1024 * 1024
_SNIFF_ROWS = 50
_DELIMITERS = (";", ",", "\t")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"

Cell = str | int | float | dt.date | dt.datetime


@dataclass(frozen=True)
class Table:
    """``rows[i]`` is row ``i + 1`` of the file; empty cells are ""."""

    name: str
    rows: list[list[Cell]]
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX we can read; ``message_nb`` says why, naming no content."""

    def __init__(self, message_nb: str) -> None:
        super().__init__(message_nb)
        self.message_nb = message_nb


def read_table(data: bytes, name: str) -> Table:
    """Read ``data`` (the file's bytes; ``name`` only decides CSV or XLSX when the content does not)."""
    if not data or not data.strip():
        raise UnreadableFile("Filen er tom.")
    if len(data) > MAX_BYTES:
        raise UnreadableFile(f"Filen er større enn {MAX_BYTES // (1024 * 1024)} MB.")
    lower = (name or "").lower()
    if data.startswith(_OLE_MAGIC) or lower.endswith(".xls"):
        raise UnreadableFile("Gamle Excel-filer (.xls) kan ikke leses. Lagre filen som .xlsx eller CSV.")
    if data.startswith(_ZIP_MAGIC) or lower.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, name)
    return _read_csv(data, name)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (BOM or not), else Windows-1252, else Latin-1 (never fails)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """The separator that splits the first rows into the same number of columns most often, preferring more
    columns on a tie (a comma inside a semicolon file's text cells must not win)."""
    lines = [line for line in text.splitlines() if line.strip()][:_SNIFF_ROWS]
    best, best_score = ";", (-1, -1)
    for delimiter in _DELIMITERS:
        counts = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter))
        width, frequency = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (frequency if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, name: str) -> Table:
    text, encoding = decode(data)
    if "\x00" in text:
        raise UnreadableFile("Filen ser ikke ut som en CSV-fil. Bruk CSV eller Excel (.xlsx).")
    delimiter = sniff_delimiter(text)
    rows: list[list[Cell]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append([cell.strip() for cell in row])
            if len(rows) > MAX_ROWS + 50:
                raise UnreadableFile(f"Filen har flere enn {MAX_ROWS} rader.")
    except csv.Error:
        raise UnreadableFile("CSV-filen kunne ikke leses (feil i anførselstegn eller linjeskift).") from None
    return Table(name=name, rows=rows, encoding=encoding, delimiter=delimiter)


def _read_xlsx(data: bytes, name: str) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged or foreign file
        raise UnreadableFile("Filen kunne ikke leses som en Excel-fil (.xlsx).") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise UnreadableFile("Excel-filen har ingen ark.")
        rows: list[list[Cell]] = []
        for values in sheet.iter_rows(values_only=True):
            row = [_xlsx_cell(v) for v in values]
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
            if len(rows) > MAX_ROWS + 50:
                raise UnreadableFile(f"Filen har flere enn {MAX_ROWS} rader.")
    finally:
        workbook.close()
    return Table(name=name, rows=rows)


def _xlsx_cell(value: object) -> Cell:
    """A worksheet value as a cell: text stripped, numbers and dates as they are, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, (int, float, dt.date)):
        return value
    return str(value).strip()
