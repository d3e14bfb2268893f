"""Growth rate, doubling and halving time from daily counts: exact exponentials, edge cases, coverage."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from graph.growth import growth

AS_OF = dt.date(2024, 5, 14)


def dates_from_counts(counts) -> list[dt.date]:
    """Counts per day for the len(counts) days ending AS_OF."""
    days = len(counts)
    return [AS_OF - dt.timedelta(days=days - 1 - t) for t, c in enumerate(counts) for _ in range(int(c))]


def test_counts_doubling_every_day_give_rate_ln2_and_doubling_time_one_day():
    # an exact exponential is a perfect Poisson fit: the MLE is the true rate
    g = growth(dates_from_counts([1, 2, 4, 8, 16, 32, 64]), AS_OF, days=7)

    assert g.cases == 127
    assert g.rate.value == pytest.approx(math.log(2), abs=1e-9)
    assert g.doubling_days.value == pytest.approx(1.0, abs=1e-9)
    assert g.doubling_days.low < 1.0 < g.doubling_days.high
    assert not g.halving_days.ok and g.halving_days.missing == "Tilfellene avtar ikke"


def test_counts_halving_every_day_give_halving_time_one_day():
    g = growth(dates_from_counts([64, 32, 16, 8, 4, 2, 1]), AS_OF, days=7)

    assert g.rate.value == pytest.approx(-math.log(2), abs=1e-9)
    assert g.halving_days.value == pytest.approx(1.0, abs=1e-9)
    assert not g.doubling_days.ok and g.doubling_days.missing == "Tilfellene øker ikke"


def test_flat_counts_give_zero_growth_and_an_open_ended_doubling_bound():
    g = growth(dates_from_counts([3] * 14), AS_OF)

    assert g.rate.value == pytest.approx(0.0, abs=1e-12)
    assert g.rate.low < 0 < g.rate.high
    assert not g.doubling_days.ok and not g.halving_days.ok


def test_slow_growth_has_a_doubling_time_without_upper_bound_when_the_rate_ci_includes_zero():
    g = growth(dates_from_counts([2, 1, 3, 2, 2, 3, 2, 3, 2, 4, 3, 3, 4, 3]), AS_OF)

    assert g.rate.value > 0 and g.rate.low < 0
    assert g.doubling_days.value == pytest.approx(math.log(2) / g.rate.value)
    assert g.doubling_days.low == pytest.approx(math.log(2) / g.rate.high)
    assert g.doubling_days.high is None


def test_only_the_window_ending_as_of_counts_and_missing_dates_are_skipped():
    inside = dates_from_counts([1] * 14)
    outside = [AS_OF + dt.timedelta(days=1), AS_OF - dt.timedelta(days=14), AS_OF - dt.timedelta(days=100)]

    g = growth(inside + outside + [None, None], AS_OF)

    assert g.cases == 14


def test_too_few_cases_in_the_last_14_days():
    g = growth(dates_from_counts([0] * 10 + [3, 2, 2, 2]), AS_OF)

    assert g.cases == 9
    for est in (g.rate, g.doubling_days, g.halving_days):
        assert est.value is None and est.missing == "For få tilfeller siste 14 dager"


def test_empty_input_and_one_day_outbreaks_give_reasons():
    assert growth([], AS_OF).rate.missing == "For få tilfeller siste 14 dager"
    one_day = growth([AS_OF] * 30, AS_OF)
    assert not one_day.rate.ok and one_day.rate.missing
    edge = growth([AS_OF] * 30 + [AS_OF - dt.timedelta(days=1)], AS_OF)  # runs off to an infinite rate
    assert not edge.rate.ok and edge.rate.missing


@pytest.mark.parametrize("rate", [0.1, -0.08])
def test_simulated_exponential_counts_recover_the_rate_in_at_least_90_of_100_runs(rate):
    covered = 0
    for seed in range(100):
        rng = np.random.Generator(np.random.PCG64(seed))
        counts = rng.poisson(6 * np.exp(rate * np.arange(14)))
        covered += growth(dates_from_counts(counts), AS_OF).rate.covers(rate)
    assert covered >= 90
