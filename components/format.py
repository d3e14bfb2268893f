"""How values look to a Norwegian user: dd.mm.yyyy, Europe/Oslo, space as thousands separator."""

from __future__ import annotations

import datetime as dt

from data.clock import to_oslo


def date_nb(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_oslo(value).date()
    return value.strftime("%d.%m.%Y")


def datetime_nb(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return to_oslo(value).strftime("%d.%m.%Y %H:%M")


def number_nb(value: int) -> str:
    # Norwegian typography: a (non-breaking) space between thousands groups.
    return f"{value:,}".replace(",", "\u00a0")
