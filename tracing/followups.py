"""Follow-ups and notes: the daily calls of a case, and the append-only notes on it.

The schedule of a case is simple to explain: when a case is registered (or its period changes, or it is
reopened) a follow-up is scheduled for every date of its isolation or quarantine from today on, at the cadence of
its rule set (``rules.follow_up_dates``). Recording a follow-up marks it done; if that leaves the case with no
open follow-up while its period has not ended, the next one is scheduled (this covers cases whose schedule was
made only a few days ahead, such as the demo data). ``Case.next_follow_up`` always holds the earliest open due
date (None when there is none), because the worklists are one indexed range scan over it.

This module also holds the two write helpers that cases and follow-ups share: ``save`` (flush, turning a lost
optimistic-locking race or the one-active-case index into a refusal) and ``check_version``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from auth.actor import Actor, audit_as
from data.clock import today_oslo
from data.models import Case, FollowUp, Note, utcnow
from tracing.access import require_case, require_case_work
from tracing.errors import AccessDenied, DomainError, StaleVersion
from tracing.rules import FOLLOW_UP_OUTCOMES, follow_up_dates, stored_rule_set

NOTE_MAX_CHARS = 5000
ACTIVE_CASE_MESSAGE = {
    "index": "Personen har allerede en aktiv indekssak.",
    "contact": "Personen har allerede en aktiv nærkontaktsak.",
}


# --- write helpers shared with tracing.cases ------------------------------------------------------------------


def save(session: Session, case_kind: str | None = None) -> None:
    """Flush the unit of work, turning database refusals into domain refusals.

    A ``StaleDataError`` means another user saved the case between our read and our write: ``StaleVersion``.
    An ``IntegrityError`` from the partial unique index "one active case per person and kind" becomes the same
    ``DomainError`` the domain check gives (the check in tracing/ can lose a race; the index cannot).
    """
    try:
        session.flush()
    except StaleDataError:
        raise StaleVersion() from None
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_case_one_active_per_kind" in text or "case.person_id, case.kind" in text:
            message = ACTIVE_CASE_MESSAGE.get(case_kind or "", "Personen har allerede en aktiv sak av denne typen.")
            raise DomainError("person", message) from None
        raise


def check_version(case: Case, expected_version: int | None) -> None:
    """Refuse an edit made on an older copy of the case (optimistic locking)."""
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion()


def period(case: Case) -> tuple[dt.date | None, dt.date | None]:
    """The period a case is followed up in: isolation for an index case, quarantine for a contact."""
    if case.kind == "index":
        return case.isolation_start, case.isolation_end
    return case.quarantine_start, case.quarantine_end


def clean_text(field: str, value: str | None, max_chars: int, *, required: bool = False, label: str = "Feltet") -> str | None:
    """Trimmed text, None when blank; refuses blank required text and text longer than the column."""
    text = value.strip() if isinstance(value, str) else None
    if not text:
        if required:
            raise DomainError(field, f"{label} må fylles ut.")
        return None
    if len(text) > max_chars:
        raise DomainError(field, f"{label} kan ha høyst {max_chars} tegn.")
    return text


# --- the schedule -----------------------------------------------------------------------------------------------


def schedule(session: Session, case: Case, today: dt.date, *, at_least_today: bool = False) -> None:
    """Make the open follow-ups of an active case match its period, from today on.

    Adds a follow-up for every date of ``rules.follow_up_dates`` that has none yet (done or open), removes open
    follow-ups due today or later that fall outside the period (it was shortened), keeps overdue open ones (they
    are real missed calls), and sets ``case.next_follow_up``. ``at_least_today`` gives a case whose period is
    over one follow-up today (a reopened case must show up on the worklists). Works on a case not yet flushed.
    """
    start, end = period(case)
    wanted: list[dt.date] = []
    if case.status == "active" and start is not None and end is not None:
        wanted = follow_up_dates(stored_rule_set(case.rule_set), start, end, today)
    if case.status == "active" and not wanted and at_least_today:
        wanted = [today]
    existing: list[FollowUp] = []
    if case.id is not None:
        existing = list(session.scalars(select(FollowUp).where(FollowUp.case_id == case.id)))
    wanted_set = set(wanted)
    taken = {f.due_date for f in existing}
    open_dates = []
    for f in existing:
        if f.done_at is not None:
            continue
        if f.due_date >= today and f.due_date not in wanted_set:
            session.delete(f)
        else:
            open_dates.append(f.due_date)
    for day in wanted:
        if day not in taken:
            session.add(FollowUp(case=case, due_date=day))
            open_dates.append(day)
    _set_next(case, min(open_dates) if open_dates else None)
    if case.id is not None:
        save(session)
        session.expire(case, ["follow_ups"])


def drop_open(session: Session, case: Case) -> None:
    """Remove the open (not done) follow-ups of a case that is closed, cancelled or converted."""
    if case.id is not None:
        session.execute(delete(FollowUp).where(FollowUp.case_id == case.id, FollowUp.done_at.is_(None)))
        session.expire(case, ["follow_ups"])
    _set_next(case, None)


def refresh_next(session: Session, case: Case) -> None:
    """Set ``case.next_follow_up`` to the earliest open due date, from the store."""
    earliest = session.scalar(select(func.min(FollowUp.due_date)).where(FollowUp.case_id == case.id, FollowUp.done_at.is_(None)))
    _set_next(case, earliest if case.status == "active" else None)


def _set_next(case: Case, value: dt.date | None) -> None:
    # Only assign on a real change: every assignment of a case column bumps its version.
    if case.next_follow_up != value:
        case.next_follow_up = value


# --- recording --------------------------------------------------------------------------------------------------


def record_follow_up(
    session: Session,
    actor: Actor,
    follow_up_id: int,
    outcome: str,
    note: str | None = None,
    today: dt.date | None = None,
) -> FollowUp:
    """Record the outcome of a follow-up call; schedules the next one when none is open and the period goes on."""
    today = today or today_oslo()
    _check_outcome(outcome)
    text = clean_text("notat", note, NOTE_MAX_CHARS, label="Notatet")
    follow_up, case = _load(session, actor, follow_up_id)
    if follow_up.done_at is not None:
        raise DomainError("oppfølging", "Oppfølgingen er allerede registrert.")
    _record(session, actor, follow_up, case, outcome, text, today, bulk=False)
    return follow_up


def mark_done_bulk(
    session: Session,
    actor: Actor,
    follow_up_ids: list[int],
    outcome: str,
    today: dt.date | None = None,
) -> int:
    """Record the same outcome on many follow-ups (a worklist's bulk action); returns how many were recorded.

    Every follow-up is access-checked before any is written. Follow-ups already recorded (by someone else in
    the meantime) are skipped rather than refused, so a bulk action on a slightly old list still succeeds.
    """
    today = today or today_oslo()
    _check_outcome(outcome)
    loaded = [_load(session, actor, fid) for fid in dict.fromkeys(follow_up_ids)]
    recorded = 0
    for follow_up, case in loaded:
        if follow_up.done_at is not None:
            continue
        _record(session, actor, follow_up, case, outcome, None, today, bulk=True)
        recorded += 1
    return recorded


def _check_outcome(outcome: str) -> None:
    if outcome not in FOLLOW_UP_OUTCOMES:
        raise DomainError("utfall", "Ukjent utfall av oppfølgingen.")


def _load(session: Session, actor: Actor, follow_up_id: int) -> tuple[FollowUp, Case]:
    require_case_work(actor)
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise AccessDenied("Du har ikke tilgang til denne oppfølgingen.")
    case = require_case(session, actor, follow_up.case_id)
    return follow_up, case


def _record(
    session: Session,
    actor: Actor,
    follow_up: FollowUp,
    case: Case,
    outcome: str,
    note: str | None,
    today: dt.date,
    *,
    bulk: bool,
) -> None:
    if case.status != "active":
        raise DomainError("status", "Saken er ikke aktiv, så oppfølgingen kan ikke registreres.")
    follow_up.done_at = utcnow()
    follow_up.done_by_id = actor.user_id
    follow_up.outcome = outcome
    follow_up.note = note
    save(session)
    next_due = _schedule_next(session, case, follow_up, today)
    refresh_next(session, case)
    save(session)
    detail: dict[str, object] = {"case_id": case.id, "outcome": outcome}
    if next_due is not None:
        detail["scheduled_next"] = next_due.isoformat()
    if bulk:
        detail["bulk"] = True
    audit_as(session, actor, "follow_up_recorded", entity="follow_up", entity_id=follow_up.id, org_unit_id=case.org_unit_id, detail=detail)


def _schedule_next(session: Session, case: Case, recorded: FollowUp, today: dt.date) -> dt.date | None:
    """When no follow-up of the case is open any more, schedule the next one if the period has not ended."""
    still_open = session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.case_id == case.id, FollowUp.done_at.is_(None)))
    if still_open:
        return None
    _, end = period(case)
    if end is None:
        return None
    latest = session.scalar(select(func.max(FollowUp.due_date)).where(FollowUp.case_id == case.id)) or recorded.due_date
    step = stored_rule_set(case.rule_set).follow_up_every_days
    next_due = max(latest, today) + dt.timedelta(days=max(1, step))
    if next_due > end:
        return None
    session.add(FollowUp(case_id=case.id, due_date=next_due))
    session.flush()
    session.expire(case, ["follow_ups"])
    return next_due


# --- notes ------------------------------------------------------------------------------------------------------


def add_note(session: Session, actor: Actor, case_id: int, text: str) -> Note:
    """Append a note to a case (closed cases too). Notes are never edited or deleted."""
    require_case_work(actor)
    case = require_case(session, actor, case_id)
    body = clean_text("notat", text, NOTE_MAX_CHARS, required=True, label="Notatet")
    return write_note(session, actor, case, body)  # type: ignore[arg-type]


def write_note(session: Session, actor: Actor, case: Case, text: str) -> Note:
    """Store a validated note and audit it (used by add_note, closing and reopening)."""
    note = Note(case_id=case.id, author_id=actor.user_id, text=text, created_at=utcnow())
    session.add(note)
    session.flush()
    session.expire(case, ["notes"])
    audit_as(session, actor, "note_added", entity="note", entity_id=note.id, org_unit_id=case.org_unit_id, detail={"case_id": case.id})
    return note
