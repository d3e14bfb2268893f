"""Serial interval: days from symptom onset in an infector to symptom onset in the person they infected.

Two estimators. ``serial_interval`` uses known infector-infectee pairs (negative intervals are real - an infectee
can fall ill before the infector when transmission is presymptomatic - so they are kept and counted).
``icc_serial_interval`` is for clusters where who infected whom is unknown: the index case-to-case (ICC) method of
Vink, Bootsma & Wallinga (Am J Epidemiol 2014;180:865-875) takes the intervals from each cluster's first case to
every other case and fits by EM a mixture of the four transmission routes that can produce such an interval.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from graph.estimate import Estimate

PAIRS_METHOD = "smittepar"
ICC_METHOD = "ICC (Vink 2014)"
NO_PAIRS = "Ingen smittepar med symptomdato for begge"
FEW_PAIRS = "For få smittepar med symptomdato for begge"
FEW_CLUSTERS = "For få klynger med minst to tilfeller med symptomdato"
NO_SPREAD_IN_TIME = "Alle tilfellene i klyngene har nesten samme symptomdato"
NO_FIT = "Klyngedataene passer ikke modellen"

ICC_MIN_INTERVALS = 10
ICC_MIN_CLUSTERS = 3
SIGMA_FLOOR = 0.5  # days; onset dates are whole days, so a narrower component is not identifiable
START_QUANTILES = (0.25, 0.5, 0.75)  # EM starts: mu at these quantiles of the positive intervals
START_ITERATIONS = 40
MAX_ITERATIONS = 2000


@dataclass(frozen=True)
class SerialInterval:
    """Mean and SD of the serial interval (days), with the number of pairs/intervals used and how many were < 0."""

    mean: Estimate
    sd: Estimate
    pairs: int
    negative: int
    method: str


@lru_cache(maxsize=1024)
def _t975(df: int) -> float:
    # scipy's ppf costs ~0.2 ms a call; a report asks for the same few degrees of freedom hundreds of times.
    return float(stats.t.ppf(0.975, df))


@lru_cache(maxsize=2048)
def _chi2(q: float, df: int) -> float:
    return float(stats.chi2.ppf(q, df))


def _lacking(n: int, reason: str, method: str, negative: int = 0) -> SerialInterval:
    return SerialInterval(Estimate.lacking(n, reason, method), Estimate.lacking(n, reason, method), n, negative, method)


def serial_interval(intervals_days: Sequence[float | None] | np.ndarray) -> SerialInterval:
    """Mean with a t interval and SD with a chi-square interval, from infector-infectee onset differences."""
    x = np.asarray([np.nan if v is None else v for v in intervals_days], dtype=float).ravel()
    x = x[np.isfinite(x)]
    n, negative = int(x.size), int(np.count_nonzero(x < 0))
    if n < 2:
        return _lacking(n, NO_PAIRS if n == 0 else FEW_PAIRS, PAIRS_METHOD, negative)
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    half = _t975(n - 1) * sd / math.sqrt(n)
    sd_low = sd * math.sqrt((n - 1) / _chi2(0.975, n - 1))
    sd_high = sd * math.sqrt((n - 1) / _chi2(0.025, n - 1))
    return SerialInterval(
        Estimate(mean, mean - half, mean + half, n, None, "t-fordeling"),
        Estimate(sd, sd_low, sd_high, n, None, "kjikvadrat"),
        n,
        negative,
        PAIRS_METHOD,
    )


# --- the ICC method -------------------------------------------------------------------------------------------
#
# Routes from the index case (the cluster's first case by onset) to another case, with X ~ N(mu, sigma^2) the serial
# interval: co-primary (both infected by one outside source: |X1 - X2|, half-normal with SD sqrt(2)*sigma),
# primary-secondary (|X|), primary-tertiary (|X1 + X2|: mean 2mu, variance 2sigma^2) and primary-quaternary
# (mean 3mu, variance 3sigma^2). Intervals are >= 0, so every route is a folded normal; each fold is split into
# its two halves N(t; +j mu, j sigma^2) and N(t; -j mu, j sigma^2), as in the paper's web appendix, which makes
# the M-step closed form:
#   mu      = sum tau_{i,j,s} s t_i / sum tau_{i,j,s} j                           (j = 1..3, s = +-1)
#   sigma^2 = (sum tau_{i,j,s} (t_i - s j mu)^2 / j + sum tau_{i,CP} t_i^2 / 2) / n
#   w_route = mean of its responsibilities.
# Onsets are whole days, so the intervals are integers; the fit runs on their histogram.

_J = np.array([0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0])  # generations apart, per half-component (CP first)
_S = np.array([0.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])  # sign of the half
_VAR = np.array([2.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0])  # variance in units of sigma^2
_ROUTE = np.array([0, 1, 1, 2, 2, 3, 3])  # route of each half: CP, PS, PT, PQ
_LOG2 = math.log(2.0)


def _log_components(t: np.ndarray, mu: float, sigma: float, log_w: np.ndarray) -> np.ndarray:
    """log(w_route * half density) at each interval (rows) for each of the 7 half-components (columns)."""
    var = _VAR * sigma * sigma
    z = t[:, None] - _S * _J * mu
    log_pdf = -0.5 * np.log(2 * math.pi * var) - z * z / (2 * var)
    log_pdf[:, 0] += _LOG2  # the co-primary route is a half-normal: both halves coincide
    return log_pdf + log_w[_ROUTE]


def _loglik_terms(t: np.ndarray, mu: float, sigma: float, log_w: np.ndarray) -> np.ndarray:
    comp = _log_components(t, mu, sigma, log_w)
    top = comp.max(axis=1)
    return top + np.log(np.exp(comp - top[:, None]).sum(axis=1))


def _em(
    t: np.ndarray, c: np.ndarray, mu: float, sigma: float, log_w: np.ndarray, iterations: int
) -> tuple[float, float, np.ndarray, float]:
    """EM steps from a start; ``t`` distinct intervals with counts ``c``. Returns (mu, sigma, log weights, loglik)."""
    n = float(c.sum())
    mean_shift = _S * _J
    inv_j = 1 / _J[1:]
    half_t2 = t * t / 2
    ll, old = -math.inf, -math.inf
    for _ in range(iterations):
        comp = _log_components(t, mu, sigma, log_w)
        top = comp.max(axis=1)
        dens = np.exp(comp - top[:, None])
        total = dens.sum(axis=1)
        ll = float(c @ (top + np.log(total)))
        if ll - old < 1e-9:  # EM never decreases the likelihood; stop when it no longer rises
            break
        old = ll
        tau = dens * (c / total)[:, None]
        per_half = tau.sum(axis=0)
        log_w = np.log(np.maximum(np.bincount(_ROUTE, weights=per_half, minlength=4) / n, 1e-300))
        mu = float((tau[:, 1:].T @ t) @ _S[1:]) / float(per_half[1:] @ _J[1:])
        z = t[:, None] - mean_shift * mu
        ss = float((tau[:, 1:] * z[:, 1:] ** 2).sum(axis=0) @ inv_j) + float(tau[:, 0] @ half_t2)
        sigma = max(math.sqrt(ss / n), SIGMA_FLOOR)
    return mu, sigma, log_w, ll


def _unpack(theta: np.ndarray, free: np.ndarray, log_w_fixed: np.ndarray) -> tuple[float, float, np.ndarray]:
    """theta = (mu, log sigma, logits of the free non-PS routes against PS)."""
    eta = log_w_fixed.copy()
    eta[free] = theta[2:]
    log_w = eta - np.logaddexp.reduce(eta)
    return float(theta[0]), float(math.exp(theta[1])), log_w


def _sandwich(
    t: np.ndarray, inverse: np.ndarray, cluster: np.ndarray, mu: float, sigma: float, w: np.ndarray
) -> np.ndarray | None:
    """Cluster-robust covariance of (mu, log sigma, ...): intervals from one index case are not independent."""
    log_w = np.log(np.maximum(w, 1e-300)) - math.log(max(w[1], 1e-300))
    free = np.array([i for i in (0, 2, 3) if w[i] > 1e-4], dtype=int)
    theta = np.concatenate([[mu, math.log(sigma)], log_w[free]])
    p = theta.size
    step = 1e-4 * np.maximum(1.0, np.abs(theta))

    def terms(th: np.ndarray) -> np.ndarray:
        return _loglik_terms(t, *_unpack(th, free, log_w))

    counts = np.bincount(inverse, minlength=t.size).astype(float)
    grad = np.empty((t.size, p))
    for a in range(p):
        e = np.zeros(p)
        e[a] = step[a]
        grad[:, a] = (terms(theta + e) - terms(theta - e)) / (2 * step[a])
    hess = np.empty((p, p))
    for a in range(p):
        for b in range(a, p):
            ea, eb = np.zeros(p), np.zeros(p)
            ea[a], eb[b] = step[a], step[b]
            f = [float(counts @ terms(theta + sa * ea + sb * eb)) for sa, sb in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            hess[a, b] = hess[b, a] = (f[0] - f[1] - f[2] + f[3]) / (4 * step[a] * step[b])
    per_obs = grad[inverse]
    clusters = int(cluster.max()) + 1
    scores = np.zeros((clusters, p))
    np.add.at(scores, cluster, per_obs)
    meat = scores.T @ scores * clusters / max(clusters - 1, 1)
    try:
        bread = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        return None
    cov = bread @ meat @ bread
    if not np.all(np.isfinite(cov)) or cov[0, 0] <= 0 or cov[1, 1] <= 0:
        return None
    return cov


def _icc_intervals(clusters: Sequence[Sequence[dt.date | None]]) -> tuple[np.ndarray, np.ndarray]:
    """Intervals (days) from each cluster's first onset to its other cases, and the cluster number of each."""
    intervals, owner = [], []
    number = 0
    for members in clusters:
        days = np.array([d.toordinal() for d in members if d is not None], dtype=np.int64)
        if days.size < 2:
            continue
        days.sort()
        intervals.append(days[1:] - days[0])
        owner.append(np.full(days.size - 1, number))
        number += 1
    if not intervals:
        return np.zeros(0), np.zeros(0, dtype=int)
    return np.concatenate(intervals).astype(float), np.concatenate(owner)


def icc_serial_interval(clusters: Sequence[Sequence[dt.date | None]]) -> SerialInterval:
    """Serial interval mean and SD from the onset dates of each cluster's cases, without known pairs."""
    x, cluster = _icc_intervals(clusters)
    n, groups = int(x.size), int(cluster.max()) + 1 if cluster.size else 0
    if n < ICC_MIN_INTERVALS or groups < ICC_MIN_CLUSTERS:
        return _lacking(n, FEW_CLUSTERS, ICC_METHOD)
    if np.count_nonzero(x >= 1) < 3:
        return _lacking(n, NO_SPREAD_IN_TIME, ICC_METHOD)
    t, inverse = np.unique(x, return_inverse=True)
    c = np.bincount(inverse).astype(float)
    # EM finds a local maximum; a few starts (a short run each) and the best one run to convergence
    positive = x[x > 0]
    even = np.log(np.full(4, 0.25))
    starts = [float(np.quantile(positive, q)) for q in START_QUANTILES]
    runs = [_em(t, c, m0, max(m0 / 2, 1.0), even, START_ITERATIONS) for m0 in starts]
    mu, sigma, log_w, _ = max(runs, key=lambda run: run[3])
    mu, sigma, log_w, _ = _em(t, c, mu, sigma, log_w, MAX_ITERATIONS)
    w = np.exp(log_w)
    if w[1] < 0.05 or mu <= 0:
        return _lacking(n, NO_FIT, ICC_METHOD)
    cov = _sandwich(t, inverse, cluster, mu, sigma, w)
    if cov is None or sigma <= SIGMA_FLOOR:
        return SerialInterval(
            Estimate(mu, None, None, n, None, ICC_METHOD), Estimate(sigma, None, None, n, None, ICC_METHOD), n, 0, ICC_METHOD
        )
    q = _t975(groups - 1)
    se_mu, se_log_sigma = math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])
    return SerialInterval(
        Estimate(mu, mu - q * se_mu, mu + q * se_mu, n, None, ICC_METHOD),
        Estimate(sigma, sigma * math.exp(-q * se_log_sigma), sigma * math.exp(q * se_log_sigma), n, None, ICC_METHOD),
        n,
        0,
        ICC_METHOD,
    )
