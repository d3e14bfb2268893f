"""Growth over the last days: the daily exponential growth rate and the doubling or halving time.

Why a Poisson regression on daily counts rather than comparing two weeks: it uses every day, copes with days
without cases, and gives a standard error. Case counts in clusters vary more than Poisson (cases come in bursts),
so the standard error is scaled by the Pearson dispersion when that is above 1 (quasi-Poisson); otherwise the
interval would be too narrow for exactly the clusters a doctor worries about.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph.estimate import Estimate

Z95 = 1.959963984540054
MIN_CASES = 10
MAX_RATE = 3.0  # per day; beyond this the fit has run off to infinity (all cases on the window's edge day)
METHOD = "Poisson-regresjon"
LN2 = math.log(2.0)
FLAT = 1e-6  # per day: a doubling time of thousands of years is no doubling (and rounding noise around 0)


@dataclass(frozen=True)
class Growth:
    """Daily growth rate r (log scale, per day), doubling time (r > 0) and halving time (r < 0), in days."""

    rate: Estimate
    doubling_days: Estimate
    halving_days: Estimate
    cases: int


def _poisson_fit(t: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """(slope, its standard error) of log E[y] = a + b t by Newton-Raphson (IRLS), or None if no finite fit."""
    mean_y = y.mean()
    beta = np.array([math.log(mean_y), 0.0])
    x = np.column_stack([np.ones_like(t), t])
    for _ in range(100):
        mu = np.exp(x @ beta)
        info = x.T @ (x * mu[:, None])
        try:
            step = np.linalg.solve(info, x.T @ (y - mu))
        except np.linalg.LinAlgError:
            return None
        beta = beta + step
        if not np.all(np.isfinite(beta)) or abs(beta[1]) > MAX_RATE:
            return None
        if np.max(np.abs(step)) < 1e-10:
            break
    else:
        return None
    mu = np.exp(x @ beta)
    info = x.T @ (x * mu[:, None])
    cov = np.linalg.inv(info)
    dispersion = float(np.sum((y - mu) ** 2 / mu)) / max(t.size - 2, 1)
    return float(beta[1]), math.sqrt(cov[1, 1] * max(1.0, dispersion))


def growth(dates: Sequence[dt.date | None], as_of: dt.date, days: int = 14) -> Growth:
    """Growth of the daily case counts over the ``days`` days ending on ``as_of`` (inclusive)."""
    few = f"For få tilfeller siste {days} dager"
    ordinals = np.fromiter((d.toordinal() for d in dates if d is not None), dtype=np.int64)
    offset = ordinals - (as_of.toordinal() - days + 1)
    offset = offset[(offset >= 0) & (offset < days)]
    cases = int(offset.size)

    def lacking(reason: str) -> Growth:
        return Growth(
            Estimate.lacking(cases, reason, METHOD),
            Estimate.lacking(cases, reason, METHOD),
            Estimate.lacking(cases, reason, METHOD),
            cases,
        )

    if cases < MIN_CASES or days < 3:
        return lacking(few)
    y = np.bincount(offset, minlength=days).astype(float)
    if np.count_nonzero(y) < 2:
        return lacking(f"Alle tilfellene siste {days} dager har samme dato")
    fit = _poisson_fit(np.arange(days, dtype=float), y)
    if fit is None:
        return lacking("Veksten kan ikke anslås")
    rate, se = fit
    low, high = rate - Z95 * se, rate + Z95 * se
    r = Estimate(rate, low, high, cases, None, METHOD)
    if rate > FLAT:
        doubling = Estimate(LN2 / rate, LN2 / high, LN2 / low if low > 0 else None, cases, None, METHOD)
    else:
        doubling = Estimate.lacking(cases, "Tilfellene øker ikke", METHOD)
    if rate < -FLAT:
        halving = Estimate(LN2 / -rate, LN2 / -low, LN2 / -high if high < 0 else None, cases, None, METHOD)
    else:
        halving = Estimate.lacking(cases, "Tilfellene avtar ikke", METHOD)
    return Growth(r, doubling, halving, cases)
