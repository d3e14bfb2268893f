"""The numbers of contact tracing: how long isolation and quarantine last and how often a case is followed up.

Every number with a meaning lives here, with where it comes from. A rule set is a code constant; the code of
the set in force when a case was registered is stored on the case (``Case.rule_set``) and shown on it, so a case
keeps its dates when the guidance changes.

Counting (the same for isolation and quarantine): the day of symptom onset, test or exposure is day 0, and the
period lasts until the end of day N. ``start`` and ``end`` are both inclusive: isolation of 5 days from an onset on
1 March runs from 1 March to 6 March. This is how FHI's guidance counted ("karantene til og med dag 10 etter siste
eksponering"), and how the demo data is generated.

Sources (the sets are *modelled on* these; we could not fetch the documents when writing this, so the dates are
from memory of FHI's covid-19 guidance history and should be checked before the numbers are relied on):

* FHI, "Råd og informasjon om isolasjon og karantene" (covid-19), 2020-2022, and the regulation
  "covid-19-forskriften" §§ 4-7 (karantene) and 7-8 (isolasjon).
  - 2020-2021: quarantine 10 days after the last exposure to a confirmed case (cut from 14 days in spring 2020);
    isolation of confirmed cases at least 8 days from symptom onset and until three days without fever, in
    practice about 10 days for most.
  - Winter 2022 (before the measures were lifted on 12 February 2022): isolation 5 days from symptom onset, or
    from the positive test for persons without symptoms; quarantine for household members about 7 days.
* Daily follow-up calls during isolation and quarantine were the practice in kommunal smittesporing (and are
  what WHO Go.Data generates: one contact follow-up per day of the follow-up period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracing.errors import DomainError
from tracing.vocabulary import FOLLOW_UP_OUTCOME_NB


@dataclass(frozen=True)
class RuleSet:
    code: str
    name_nb: str
    isolation_days: int  # isolation ends this many days after symptom onset (or test date), inclusive
    quarantine_days: int  # quarantine ends this many days after the last exposure, inclusive
    follow_up_every_days: int  # one follow-up call every N days during isolation/quarantine
    source_nb: str  # shown on the case next to the rule set's name


RULE_SETS: dict[str, RuleSet] = {
    # Modelled on FHI's guidance of January-February 2022 (omicron): isolation 5 days from symptom onset or
    # positive test, quarantine about 7 days after the last exposure, a call every day.
    "standard": RuleSet(
        code="standard",
        name_nb="Standard (isolasjon 5 dager, karantene 7 dager)",
        isolation_days=5,
        quarantine_days=7,
        follow_up_every_days=1,
        source_nb="Etter modell av FHIs råd om isolasjon og karantene for covid-19, vinteren 2022.",
    ),
    # Modelled on FHI's guidance of 2020-2021: quarantine 10 days after the last exposure, isolation of about
    # 10 days from symptom onset (at least 8 days and three days without fever), a call every day.
    "streng": RuleSet(
        code="streng",
        name_nb="Streng (isolasjon 10 dager, karantene 10 dager)",
        isolation_days=10,
        quarantine_days=10,
        follow_up_every_days=1,
        source_nb="Etter modell av FHIs råd om isolasjon og karantene for covid-19, 2020-2021.",
    ),
}
DEFAULT_RULE_SET = "standard"

# How a case can be closed through close_case. "became_index" is set only by converting a contact to an index.
OUTCOMES_CLOSE = ("completed", "not_infected", "moved", "deceased", "registered_in_error")
# Closing with this outcome means the case should never have existed: its status becomes "cancelled".
OUTCOME_CANCELS = "registered_in_error"
FOLLOW_UP_OUTCOMES = tuple(FOLLOW_UP_OUTCOME_NB)


def rule_set(code: str | None) -> RuleSet:
    """The rule set with ``code``; None means the default. An unknown code is refused (field "regelsett")."""
    if code is None:
        return RULE_SETS[DEFAULT_RULE_SET]
    found = RULE_SETS.get(code)
    if found is None:
        raise DomainError("regelsett", "Ukjent regelsett.")
    return found


def stored_rule_set(code: str | None) -> RuleSet:
    """The rule set of a stored case: like ``rule_set``, but a code this version does not know (an older set,
    for instance a retired one) falls back to the default's numbers under the stored code, so reading
    and following up such a case still works."""
    if code is None or code in RULE_SETS:
        return rule_set(code)
    default = RULE_SETS[DEFAULT_RULE_SET]
    return RuleSet(
        code=code,
        name_nb=f"{code} (ukjent regelsett, vises med standardreglene)",
        isolation_days=default.isolation_days,
        quarantine_days=default.quarantine_days,
        follow_up_every_days=default.follow_up_every_days,
        source_nb=default.source_nb,
    )


def isolation_period(rules: RuleSet, symptom_onset: dt.date | None, test_date: dt.date | None) -> tuple[dt.date, dt.date]:
    """Isolation (start, inclusive end) for an index case.

    Counted from symptom onset, or from the test date when the person has no symptoms (asymptomatic, or no onset
    given). Symptoms that start after a positive test restart the count from the onset; isolation still starts
    on the test date, because the person was isolated from then.
    """
    if symptom_onset is None and test_date is None:
        raise ValueError("isolation needs a symptom onset or a test date")
    counted_from = symptom_onset if symptom_onset is not None else test_date
    assert counted_from is not None
    start = min(d for d in (symptom_onset, test_date) if d is not None)
    return start, counted_from + dt.timedelta(days=rules.isolation_days)


def quarantine_period(rules: RuleSet, last_exposure: dt.date) -> tuple[dt.date, dt.date]:
    """Quarantine (start, inclusive end) for a close contact, counted from the LAST exposure."""
    return last_exposure, last_exposure + dt.timedelta(days=rules.quarantine_days)


def follow_up_dates(rules: RuleSet, start: dt.date, end: dt.date, today: dt.date) -> list[dt.date]:
    """The follow-up dates of a period: every ``follow_up_every_days`` from max(start, today) up to ``end``
    inclusive. Never a date before today (a call cannot be scheduled in the past); empty when the period is over."""
    step = max(1, rules.follow_up_every_days)
    first = max(start, today)
    if first > end:
        return []
    count = (end - first).days // step + 1
    return [first + dt.timedelta(days=i * step) for i in range(count)]

