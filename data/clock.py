"""Dates as the kommune sees them: "today" is the calendar day in Europe/Oslo, whatever the server's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def today_oslo(now: dt.datetime | None = None) -> dt.date:
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(OSLO).date()


def to_oslo(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(OSLO)
