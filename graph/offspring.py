"""Offspring distribution: reproduction number R, dispersion k and the share of cases behind 80% of transmission.

Why a negative binomial: secondary cases per case are overdispersed (superspreading); Lloyd-Smith et al.
(Nature 2005) showed the NB with mean R and dispersion k fits outbreak offspring counts well, and k < 1 means a
minority of cases causes most transmission. In the mean parametrisation the MLE of the mean is the sample mean
for every k, so the profile likelihood of k is one-dimensional. Everything works on the histogram of counts, so
200,000 cases cost no more than 200.

Only cases whose offspring is completely observed should be passed in (see TransmissionGraph.censor_days);
recent cases have not had time to infect anyone and would bias R and k low.
"""

from __future__ import annotations

import math
from functools import lru_cache
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from graph.estimate import Estimate

Z95 = 1.959963984540054
CUTOFF = stats.chi2.ppf(0.95, 1) / 2  # 1.92: profile-likelihood 95% interval
MIN_CASES = 5
MAX_COUNT = 1_000_000  # secondary cases of one case; beyond this the input is not an offspring count
K_MIN, K_MAX = 1e-4, 1e6  # search range for k; beyond K_MAX the data are Poisson for all practical purposes
BOOTSTRAP = 2000
BOOTSTRAP_SEED = 20140101  # fixed: the same data always give the same interval

NO_CASES = "Ingen tilfeller med fullstendig oppfølging"
FEW_CASES = f"For få tilfeller (færre enn {MIN_CASES})"
NO_SPREAD = "Ingen videresmitte registrert"
NO_OVERDISPERSION = "Ingen tegn til overspredning (k er svært stor)"

R_METHOD = "gjennomsnitt, negativ binomial"
K_METHOD = "negativ binomial, profil-likelihood"
TOP80_METHOD = "bootstrap"


@dataclass(frozen=True)
class OffspringFit:
    """R (mean offspring), k (NB dispersion) and top80 (share of cases causing 80% of secondary cases)."""

    r: Estimate
    k: Estimate
    top80: Estimate
    n: int


class _Profile:
    """The NB profile log-likelihood of k relative to the Poisson limit (k -> infinity), from a histogram.

    D(k) = sum_x c_x sum_{j<x} log1p(j/k) - (S + N k) log1p(m/k) + N m, written so it stays accurate for large k
    (it tends to 0, the Poisson log-likelihood, as k grows).
    """

    def __init__(self, hist: np.ndarray) -> None:
        self.hist = hist.astype(float)
        self.n = float(hist.sum())
        self.total = float(np.dot(np.arange(hist.size), hist))
        self.mean = self.total / self.n
        # weight of log1p(j/k) for j = 0..xmax-1: the number of cases with more than j offspring
        self.tail = self.hist[::-1].cumsum()[::-1][1:]
        self.j = np.arange(self.tail.size, dtype=float)

    def __call__(self, k: float, m: float | None = None) -> float:
        """D at dispersion ``k`` and mean ``m`` (default: the MLE, the sample mean)."""
        first = float(np.dot(self.tail, np.log1p(self.j / k)))
        shift = 0.0 if m is None else self.total * math.log(m / self.mean)
        m = self.mean if m is None else m
        return first + shift - (self.total + self.n * k) * math.log1p(m / k) + self.n * self.mean

    def many(self, u: np.ndarray, m: float) -> np.ndarray:
        """D at k = exp(u) for a whole array of ``u``, at mean ``m``: one numpy expression instead of a loop."""
        k = np.exp(u)
        first = self.tail @ np.log1p(self.j[:, None] / k[None, :])
        shift = self.total * math.log(m / self.mean)
        return first + shift - (self.total + self.n * k) * np.log1p(m / k) + self.n * self.mean

    def at_mean(self, m: float) -> float:
        """The profile over k at a fixed mean ``m`` (the Poisson limit included).

        Maximised by three nested grids on log k (49, then 21 and 21 points around the best so far) and a final
        parabola: the profile is smooth and unimodal in log k, and the mean's interval calls this hundreds of
        times per report, where a scalar optimiser per call cost ~0.3 ms.
        """
        lo, hi = math.log(K_MIN), math.log(K_MAX)
        grid = np.linspace(lo, hi, 49)
        for points in (21, 21):
            values = self.many(grid, m)
            i = int(np.argmax(values))
            step = grid[1] - grid[0]
            grid = np.linspace(max(lo, grid[i] - step), min(hi, grid[i] + step), points)
        values = self.many(grid, m)
        i = int(np.argmax(values))
        best = float(values[i])
        if 0 < i < grid.size - 1:  # vertex of the parabola through the best point and its neighbours
            y0, y1, y2 = values[i - 1], values[i], values[i + 1]
            denom = y0 - 2 * y1 + y2
            if denom < 0:
                h = grid[1] - grid[0]
                u = grid[i] + 0.5 * h * (y0 - y2) / denom
                best = max(best, float(self.many(np.array([u]), m)[0]))
        poisson = self.total * math.log(m / self.mean) - self.n * (m - self.mean)
        return max(best, poisson)


def _histogram(counts: Sequence[int] | np.ndarray) -> np.ndarray | None:
    arr = np.asarray(counts, dtype=float).ravel()
    arr = arr[np.isfinite(arr)]
    if arr.size and (arr.min() < 0 or arr.max() > MAX_COUNT or np.any(arr != np.round(arr))):
        return None
    return np.bincount(arr.astype(np.int64), minlength=1)


def _fit_k(profile: _Profile) -> tuple[float | None, float | None, float | None]:
    """(k_hat, low, high); k_hat None when the data show no overdispersion, high None when unbounded."""
    n, mean = profile.n, profile.mean
    second = float(np.dot(np.arange(profile.hist.size) ** 2, profile.hist)) / n
    variance = second - mean * mean
    k_hat: float | None = None
    d_max = 0.0  # the Poisson limit
    if variance > mean * (1 + 1e-9):
        res = optimize.minimize_scalar(
            lambda u: -profile(math.exp(u)),
            bounds=(math.log(K_MIN), math.log(K_MAX)),
            method="bounded",
            options={"xatol": 1e-7},
        )
        if res.x < math.log(K_MAX) - 1e-3 and -res.fun > 0:
            k_hat, d_max = math.exp(res.x), -res.fun
    target = d_max - CUTOFF
    start = k_hat if k_hat is not None else K_MAX

    def gap(u: float) -> float:
        return profile(math.exp(u)) - target

    low = None
    u_lo = math.log(start)
    while u_lo > math.log(1e-8):
        u_lo -= 2.0
        if gap(u_lo) < 0:
            low = math.exp(optimize.brentq(gap, u_lo, u_lo + 2.0, xtol=1e-10))
            break
    high = None
    if k_hat is not None and target > 0:  # D tends to 0 as k grows, so a positive target is crossed above k_hat
        u_hi = math.log(k_hat)
        while u_hi < math.log(1e12):
            u_hi += 2.0
            if gap(u_hi) < 0:
                high = math.exp(optimize.brentq(gap, u_hi - 2.0, u_hi, xtol=1e-10))
                break
    return k_hat, low, high


def _mean_interval(profile: _Profile, k_hat: float) -> tuple[float | None, float | None]:
    """Profile-likelihood 95% interval for the mean, k profiled out.

    Why not Wald: with k around 0.2 the sample mean is right-skewed even at a thousand cases and a symmetric
    interval undercovers; the likelihood interval follows the skew. The Wald width on the log scale (NB variance
    at k_hat) only sets the search brackets.
    """
    mean, d_max = profile.mean, profile(k_hat)
    target = d_max - CUTOFF
    se_log = math.sqrt((1 / mean + 1 / k_hat) / profile.n)

    def gap(v: float) -> float:
        return profile.at_mean(math.exp(v)) - target

    bounds: list[float | None] = []
    for direction in (-1.0, 1.0):
        inner, outer, found = math.log(mean), math.log(mean) + direction * 3 * Z95 * se_log, False
        for _ in range(8):
            if gap(outer) < 0:
                found = True
                break
            inner, outer = outer, outer + direction * 3 * Z95 * se_log
        bounds.append(math.exp(optimize.brentq(gap, min(inner, outer), max(inner, outer), xtol=1e-8)) if found else None)
    return bounds[0], bounds[1]


def _top80_shares(values: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """Smallest share of cases whose offspring reach 80% of the total, per row of ``counts`` (NaN if no spread).

    ``values`` are the distinct positive offspring counts in descending order; ``counts`` (rows x values) how many
    cases have each. Integer arithmetic (5 * cum >= 4 * total) avoids rounding at the 80% boundary.
    """
    counts = np.atleast_2d(counts).astype(np.int64)
    offspring = counts * values
    total = offspring.sum(axis=1)
    cum = offspring.cumsum(axis=1)
    level = np.argmax(5 * cum >= 4 * total[:, None], axis=1)
    rows = np.arange(counts.shape[0])
    before_off = cum[rows, level] - offspring[rows, level]
    before_cases = counts.cumsum(axis=1)[rows, level] - counts[rows, level]
    need = 4 * total - 5 * before_off
    extra = -((-need) // (5 * values[level]))
    share = (before_cases + extra) / n
    return np.where(total > 0, share, np.nan)


def _top80(hist: np.ndarray) -> Estimate:
    n = int(hist.sum())
    if n < MIN_CASES:
        return Estimate.lacking(n, FEW_CASES, TOP80_METHOD)
    values = np.nonzero(hist)[0][::-1]
    values = values[values > 0]
    if values.size == 0:
        return Estimate.lacking(n, NO_SPREAD, TOP80_METHOD)
    point = float(_top80_shares(values, hist[values], n)[0])
    distinct = np.nonzero(hist)[0][::-1]  # resample over every distinct count, zeros included
    rng = np.random.Generator(np.random.PCG64(BOOTSTRAP_SEED))
    draws = rng.multinomial(n, hist[distinct] / n, size=BOOTSTRAP)  # resampling cases = multinomial over counts
    positive = distinct > 0
    shares = _top80_shares(distinct[positive], draws[:, positive], n)
    shares = shares[np.isfinite(shares)]
    low, high = (np.quantile(shares, [0.025, 0.975]) if shares.size else (None, None))
    return Estimate(point, low, high, n, None, TOP80_METHOD)


def _poisson_interval(total: float, n: float) -> tuple[float, float]:
    """Exact (Garwood) 95% interval for a Poisson mean from ``total`` events in ``n`` units."""
    low = stats.chi2.ppf(0.025, 2 * total) / 2 / n if total > 0 else 0.0
    high = stats.chi2.ppf(0.975, 2 * total + 2) / 2 / n
    return low, high


def fit_offspring(counts: Sequence[int] | np.ndarray) -> OffspringFit:
    """Fit R, k and the 80% share to the offspring counts (secondary cases per case, complete cases only)."""
    hist = _histogram(counts)
    if hist is None:
        bad = Estimate.lacking(0, "Ugyldige antall sekundærtilfeller")
        return OffspringFit(bad, bad, bad, 0)
    return _fit_histogram(tuple(int(h) for h in hist))


@lru_cache(maxsize=4096)
def _fit_histogram(counts_of: tuple[int, ...]) -> OffspringFit:
    """The fit depends on the histogram only, and a spread report fits hundreds of small clusters whose
    histograms repeat (two cases, one infected the other...): the profile-likelihood intervals are the
    expensive part, so equal histograms are fitted once."""
    hist = np.asarray(counts_of, dtype=np.int64)
    n = int(hist.sum())
    if n == 0:
        return OffspringFit(
            Estimate.lacking(0, NO_CASES, R_METHOD),
            Estimate.lacking(0, NO_CASES, K_METHOD),
            Estimate.lacking(0, NO_CASES, TOP80_METHOD),
            0,
        )
    profile = _Profile(hist)
    mean, total = profile.mean, profile.total
    top80 = _top80(hist)
    if total == 0:
        _, high = _poisson_interval(0, n)
        r = Estimate(0.0, 0.0, high, n, None, "eksakt Poisson")
        return OffspringFit(r, Estimate.lacking(n, NO_SPREAD, K_METHOD), top80, n)
    if n < MIN_CASES:
        r = Estimate(mean, None, None, n, None, R_METHOD)
        return OffspringFit(r, Estimate.lacking(n, FEW_CASES, K_METHOD), top80, n)
    k_hat, k_low, k_high = _fit_k(profile)
    if k_hat is None:
        k = Estimate(None, k_low, None, n, NO_OVERDISPERSION, K_METHOD)
        low, high = _poisson_interval(total, n)
        r = Estimate(mean, low, high, n, None, "eksakt Poisson")
    else:
        k = Estimate(k_hat, k_low, k_high, n, None, K_METHOD)
        r = Estimate(mean, *_mean_interval(profile, k_hat), n, None, R_METHOD)
    return OffspringFit(r, k, top80, n)
