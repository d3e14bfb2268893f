"""Secondary attack rate: the share of registered close contacts who became cases.

Why Wilson: clusters are small and attack rates often near 0 or 1, where the plain Wald interval collapses to a
point or leaves [0, 1]; the Wilson score interval keeps its coverage there (Brown, Cai & DasGupta 2001).
"""

from __future__ import annotations

import math

from graph.estimate import Estimate

Z95 = 1.959963984540054
METHOD = "Wilson"


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (``trials`` > 0)."""
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends: no 1e-17 from rounding
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def attack_rate(contacts: int, became_cases: int) -> Estimate:
    """``became_cases`` / ``contacts`` with its Wilson 95% interval, or a reason when it cannot be computed."""
    if contacts <= 0:
        return Estimate.lacking(0, "Ingen nærkontakter registrert", METHOD)
    if became_cases < 0 or became_cases > contacts:
        return Estimate.lacking(contacts, "Antall smittede nærkontakter er ugyldig", METHOD)
    low, high = wilson(became_cases, contacts)
    return Estimate(became_cases / contacts, low, high, contacts, None, METHOD)
