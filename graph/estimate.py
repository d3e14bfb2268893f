"""One shape for every measure the analytics show: a value with its 95% confidence interval, or a reason.

Why: the explorer, the API and the CLI print many estimators (attack rate, R, k, serial interval, growth) and
each can lack data. An ``Estimate`` is either a finite value (and, where one can be computed, a finite interval)
or "not enough data" with a Norwegian reason - never NaN, never an exception on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

NOT_ENOUGH = "For lite data"


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Estimate:
    """``value`` with ``low``-``high`` (95%), from ``n`` observations; ``missing`` says why there is no value.

    NaN and infinities are turned into ``None`` on construction; a value without a finite interval keeps the
    value and leaves the bounds ``None`` (shown as "KI mangler").
    """

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    missing: str | None = None
    method: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _finite(self.value))
        object.__setattr__(self, "low", _finite(self.low))
        object.__setattr__(self, "high", _finite(self.high))
        if self.value is None and self.missing is None:
            object.__setattr__(self, "missing", NOT_ENOUGH)

    @classmethod
    def lacking(cls, n: int, reason: str = NOT_ENOUGH, method: str = "") -> Estimate:
        return cls(None, None, None, n, reason, method)

    @property
    def ok(self) -> bool:
        return self.value is not None

    def covers(self, truth: float) -> bool:
        """Whether the interval contains ``truth`` (false when there is no interval)."""
        return self.low is not None and self.high is not None and self.low <= truth <= self.high

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "n": self.n,
            "missing": self.missing,
            "method": self.method,
        }
