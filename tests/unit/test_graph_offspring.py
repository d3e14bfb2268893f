"""R, k and the 80% share from offspring counts: hand-computed cases, likelihood checks and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from graph.offspring import NO_OVERDISPERSION, fit_offspring

CUTOFF = stats.chi2.ppf(0.95, 1) / 2


def nb_loglik(counts, mean, k):
    return float(stats.nbinom.logpmf(counts, k, k / (k + mean)).sum())


def profile_over_k(counts, mean):
    res = optimize.minimize_scalar(lambda u: -nb_loglik(counts, mean, math.exp(u)), bounds=(-8, 12), method="bounded")
    return max(-res.fun, float(stats.poisson.logpmf(counts, mean).sum()))


SMALL = np.array([0, 0, 0, 1, 1, 2, 5, 0, 0, 1])  # mean 1.0, variance 2.22: overdispersed


def test_r_is_the_mean_and_top80_is_counted_by_hand():
    fit = fit_offspring(SMALL)

    assert fit.n == 10
    assert fit.r.value == pytest.approx(1.0)
    # sorted: 5, 2, 1, 1, 1, 0...; total 10, 80% = 8 -> 5 + 2 + 1 reaches it with 3 of 10 cases
    assert fit.top80.value == pytest.approx(0.3)
    assert fit.top80.low <= 0.3 <= fit.top80.high


CLUSTERED = np.array([0] * 30 + [1] * 8 + [2] * 3 + [4, 6, 8, 12])  # 45 cases, mean 1.0, strongly overdispersed


def test_k_is_the_maximum_likelihood_estimate_and_its_interval_is_the_profile_cutoff():
    fit = fit_offspring(CLUSTERED)
    mean = CLUSTERED.mean()

    # brute force: the NB log-likelihood at the sample mean, maximised over k with scipy's own pmf
    res = optimize.minimize_scalar(lambda u: -nb_loglik(CLUSTERED, mean, math.exp(u)), bounds=(-8, 8), method="bounded")
    assert fit.k.value == pytest.approx(math.exp(res.x), rel=1e-3)
    top = -res.fun
    assert nb_loglik(CLUSTERED, mean, fit.k.low) == pytest.approx(top - CUTOFF, abs=1e-4)
    assert nb_loglik(CLUSTERED, mean, fit.k.high) == pytest.approx(top - CUTOFF, abs=1e-4)
    assert fit.k.low < fit.k.value < fit.k.high


def test_k_without_an_upper_bound_when_ten_cases_cannot_rule_out_poisson():
    fit = fit_offspring(SMALL)

    assert fit.k.value is not None and fit.k.low is not None
    assert fit.k.high is None  # the Poisson limit is inside the 95% profile interval


def test_r_interval_is_the_profile_likelihood_interval_of_the_mean():
    for counts in (SMALL, CLUSTERED):
        fit = fit_offspring(counts)

        top = nb_loglik(counts, counts.mean(), fit.k.value)
        assert profile_over_k(counts, fit.r.low) == pytest.approx(top - CUTOFF, abs=1e-3)
        assert profile_over_k(counts, fit.r.high) == pytest.approx(top - CUTOFF, abs=1e-3)
        assert fit.r.low < counts.mean() < fit.r.high


def test_no_overdispersion_leaves_k_without_a_value_but_with_a_lower_bound():
    counts = [1, 1, 2, 1, 0, 1, 2, 1, 1, 0, 1, 2]  # variance below the mean

    fit = fit_offspring(counts)

    assert fit.k.value is None
    assert fit.k.missing == NO_OVERDISPERSION
    assert fit.k.low is not None and fit.k.low > 0 and fit.k.high is None
    # R falls back to the exact Poisson interval for 13 events in 12 cases
    assert fit.r.value == pytest.approx(13 / 12)
    assert fit.r.low == pytest.approx(stats.chi2.ppf(0.025, 26) / 2 / 12)
    assert fit.r.high == pytest.approx(stats.chi2.ppf(0.975, 28) / 2 / 12)


def test_all_zero_offspring_gives_r_zero_with_an_upper_bound_and_no_k():
    fit = fit_offspring([0] * 20)

    assert fit.r.value == 0.0 and fit.r.low == 0.0
    assert fit.r.high == pytest.approx(-math.log(0.025) / 20)  # exact Poisson: 3.69 / n
    assert not fit.k.ok and fit.k.missing == "Ingen videresmitte registrert"
    assert not fit.top80.ok and fit.top80.missing == "Ingen videresmitte registrert"


def test_no_cases_gives_reasons_everywhere():
    fit = fit_offspring([])

    assert fit.n == 0
    for est in (fit.r, fit.k, fit.top80):
        assert est.value is None and est.missing == "Ingen tilfeller med fullstendig oppfølging"


def test_one_case_has_a_mean_but_no_interval_k_or_top80():
    fit = fit_offspring([3])

    assert fit.r.value == 3.0 and fit.r.low is None and fit.r.high is None
    assert not fit.k.ok and "For få tilfeller" in fit.k.missing
    assert not fit.top80.ok and "For få tilfeller" in fit.top80.missing


def test_negative_or_fractional_counts_are_refused_without_an_exception():
    for bad in ([1, -1, 2], [0.5, 1, 2]):
        fit = fit_offspring(bad)
        assert not fit.r.ok and not fit.k.ok and fit.r.missing


def test_a_superspreader_gives_a_small_k_and_a_small_top80():
    fit = fit_offspring([0] * 40 + [1] * 5 + [30])

    assert fit.k.value < 0.2
    assert fit.top80.value == pytest.approx(1 / 46)  # the one superspreader caused 30 of 35
    assert fit.r.low < fit.r.value < fit.r.high


def test_the_same_data_give_the_same_bootstrap_interval():
    rng = np.random.default_rng(7)
    counts = rng.negative_binomial(0.3, 0.3 / 1.3, 500)

    assert fit_offspring(counts).top80 == fit_offspring(list(counts)).top80


def test_two_hundred_thousand_cases_fit_on_the_histogram():
    rng = np.random.default_rng(11)
    counts = rng.negative_binomial(0.5, 0.5 / 1.5, 200_000)

    fit = fit_offspring(counts)

    assert fit.n == 200_000
    assert fit.r.covers(1.0) or abs(fit.r.value - 1.0) < 0.02
    assert abs(fit.k.value - 0.5) < 0.02


def test_never_nan_in_the_output():
    for counts in ([], [0], [0, 0], [1, 1], [0, 7], [2, 2, 2, 2, 2, 2], SMALL):
        fit = fit_offspring(counts)
        for est in (fit.r, fit.k, fit.top80):
            for v in (est.value, est.low, est.high):
                assert v is None or math.isfinite(v)
            assert est.ok or est.missing
