"""The numbers of contact tracing (tracing/rules.py): pure functions, no store."""

from __future__ import annotations

import datetime as dt

import pytest

from tracing.errors import DomainError
from tracing.rules import (
    DEFAULT_RULE_SET,
    OUTCOMES_CLOSE,
    RULE_SETS,
    RuleSet,
    follow_up_dates,
    isolation_period,
    quarantine_period,
    rule_set,
    stored_rule_set,
)
from tracing.vocabulary import CASE_OUTCOME_NB

D = dt.date
STANDARD = RULE_SETS["standard"]
STRENG = RULE_SETS["streng"]


def test_default_rule_set_isolates_five_days_quarantines_seven_and_calls_daily():
    rules = rule_set(None)
    assert rules.code == DEFAULT_RULE_SET == "standard"
    assert (rules.isolation_days, rules.quarantine_days, rules.follow_up_every_days) == (5, 7, 1)


def test_every_rule_set_names_its_source_and_is_keyed_by_its_code():
    for code, rules in RULE_SETS.items():
        assert rules.code == code
        assert rules.name_nb and rules.source_nb
        assert rules.isolation_days > 0 and rules.quarantine_days > 0 and rules.follow_up_every_days > 0
    assert (STRENG.isolation_days, STRENG.quarantine_days) == (10, 10)


def test_unknown_rule_set_is_refused_naming_the_field():
    with pytest.raises(DomainError) as refused:
        rule_set("ukjent")
    assert refused.value.field == "regelsett"


def test_a_stored_unknown_rule_set_is_read_with_the_default_numbers_under_its_own_code():
    rules = stored_rule_set("retired-2021")
    assert rules.code == "retired-2021"
    assert rules.isolation_days == STANDARD.isolation_days
    assert stored_rule_set("streng") is STRENG


def test_isolation_is_counted_from_symptom_onset_with_an_inclusive_end():
    assert isolation_period(STANDARD, D(2026, 3, 1), D(2026, 3, 3)) == (D(2026, 3, 1), D(2026, 3, 6))


def test_isolation_without_symptoms_is_counted_from_the_test_date():
    assert isolation_period(STANDARD, None, D(2026, 3, 3)) == (D(2026, 3, 3), D(2026, 3, 8))
    assert isolation_period(STRENG, None, D(2026, 3, 3)) == (D(2026, 3, 3), D(2026, 3, 13))


def test_symptoms_after_a_positive_test_restart_the_count_but_isolation_starts_at_the_test():
    assert isolation_period(STANDARD, D(2026, 3, 5), D(2026, 3, 3)) == (D(2026, 3, 3), D(2026, 3, 10))


def test_isolation_needs_an_onset_or_a_test_date():
    with pytest.raises(ValueError):
        isolation_period(STANDARD, None, None)


def test_quarantine_is_counted_from_the_last_exposure():
    assert quarantine_period(STANDARD, D(2026, 3, 1)) == (D(2026, 3, 1), D(2026, 3, 8))
    assert quarantine_period(STRENG, D(2026, 3, 1)) == (D(2026, 3, 1), D(2026, 3, 11))


def test_follow_ups_are_daily_through_the_inclusive_end():
    assert follow_up_dates(STANDARD, D(2026, 3, 1), D(2026, 3, 4), today=D(2026, 3, 1)) == [
        D(2026, 3, 1),
        D(2026, 3, 2),
        D(2026, 3, 3),
        D(2026, 3, 4),
    ]


def test_follow_ups_are_never_scheduled_before_today():
    assert follow_up_dates(STANDARD, D(2026, 3, 1), D(2026, 3, 4), today=D(2026, 3, 3)) == [D(2026, 3, 3), D(2026, 3, 4)]


def test_no_follow_ups_when_the_period_is_over():
    assert follow_up_dates(STANDARD, D(2026, 3, 1), D(2026, 3, 4), today=D(2026, 3, 5)) == []


def test_a_future_period_starts_its_follow_ups_at_its_start():
    assert follow_up_dates(STANDARD, D(2026, 3, 10), D(2026, 3, 11), today=D(2026, 3, 1)) == [D(2026, 3, 10), D(2026, 3, 11)]


def test_follow_ups_every_second_day_step_from_the_first_date_and_stay_inside_the_period():
    every_other = RuleSet("test", "Test", 5, 7, 2, "test")
    assert follow_up_dates(every_other, D(2026, 3, 1), D(2026, 3, 6), today=D(2026, 3, 1)) == [
        D(2026, 3, 1),
        D(2026, 3, 3),
        D(2026, 3, 5),
    ]


def test_close_outcomes_have_norwegian_labels_and_exclude_became_index():
    assert set(OUTCOMES_CLOSE) <= set(CASE_OUTCOME_NB)
    assert "became_index" not in OUTCOMES_CLOSE


def test_demo_cases_follow_the_standard_rule_set():
    from data import demo
    from tracing.rules import rule_set

    standard = rule_set("standard")
    assert (demo.RULE_SET, demo.ISOLATION_DAYS, demo.QUARANTINE_DAYS) == (standard.code, standard.isolation_days, standard.quarantine_days)
