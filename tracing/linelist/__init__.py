"""Line-list import: a spreadsheet of cases (and one of transmission pairs) into an analysis outbreak, or into the
register as real cases. read.py turns a file into rows, columns.py knows the column names, parse.py validates
every row, store.py writes it all in one transaction (or nothing, with a row-by-row report). See docs/linelist.md.
"""

from __future__ import annotations

from tracing.linelist.parse import CaseRow, LineList, LinkRow, RowError
from tracing.linelist.store import ImportResult, LineListRejected, import_linelist

__all__ = ["CaseRow", "ImportResult", "LineList", "LineListRejected", "LinkRow", "RowError", "import_linelist"]
