"""An estimate with its uncertainty, and the maximum-likelihood helper every estimator uses.

Intervals are Wald intervals from the observed information (the numerical Hessian of the
negative log-likelihood at its minimum, found by ``scipy.optimize.minimize``), on a scale where
they are near symmetric (log for rates and means, logit for shares) and mapped back, so they
stay inside the allowed range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import optimize, special, stats

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity: what, how much, how sure, how, and from how many records."""

    parameter: str  # the scenario parameter path it sets, or a described quantity for a check
    value: float
    low: float  # 95% interval
    high: float
    unit: str
    method: str
    used: int  # records (episodes) the estimate rests on
    mapping: str = ""  # how the record quantity becomes the model's parameter, when not directly
    scale: float = 1.0  # the model's value is value x scale (a rate at the records' start, say)
    corrected: bool = False  # True once its bias from the model's structure has been taken out by simulation

    @property
    def model_value(self) -> float:
        return self.value * self.scale

    @property
    def se(self) -> float:
        return (self.high - self.low) / (2 * Z95)

    def covers(self, truth: float) -> bool:
        return self.low <= truth <= self.high


def rate(events: float, exposure: float) -> tuple[float, float, float]:
    """A Poisson rate with its 95% interval (exact, from the chi-square quantiles)."""
    low = stats.chi2.ppf(0.025, 2 * events) / 2 / exposure if events > 0 else 0.0
    return events / exposure, low, stats.chi2.ppf(0.975, 2 * events + 2) / 2 / exposure


def share(k: float, n: float) -> tuple[float, float, float]:
    """A binomial share with its 95% Wilson interval (sound near 0 and 1 and for small n)."""
    p = k / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 / (1 + Z95 ** 2 / n) * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n))
    # at k = 0 (k = n) the bound is exactly 0 (1): the sum above can miss it by a rounding error,
    # and an interval from 1e-18 would not cover a true share of 0
    return p, 0.0 if k == 0 else max(centre - half, 0.0), 1.0 if k == n else min(centre + half, 1.0)


def mle(nll: Callable[[np.ndarray], float], start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``nll`` over unconstrained parameters; the minimum and its covariance (inverse Hessian)."""
    # BFGS from the start given; where it stops short, Nelder-Mead finds the basin and BFGS polishes
    found = optimize.minimize(nll, np.asarray(start, float), method="BFGS")
    if not (found.success and np.isfinite(found.fun)):
        found = optimize.minimize(nll, np.asarray(start, float), method="Nelder-Mead",
                                  options={"xatol": 1e-4, "fatol": 1e-3, "maxiter": 20000, "maxfev": 40000})
        found = optimize.minimize(nll, found.x, method="BFGS")
    x = found.x
    hess = _hessian(nll, x)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.inf)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        cov = np.where(np.eye(len(x), dtype=bool), np.inf, 0.0)
    return x, cov


def wald(x: float, var: float, back: Callable[[float], float] = float) -> tuple[float, float, float]:
    """Estimate and 95% interval on the fitted scale, mapped back by ``back``."""
    half = Z95 * math.sqrt(var) if math.isfinite(var) else math.inf
    lo, hi = back(x - half) if math.isfinite(half) else back(-math.inf), back(x + half) if math.isfinite(half) \
        else back(math.inf)
    return back(x), lo, hi


def exp(x: float) -> float:
    return math.exp(min(x, 700.0))


def expit(x: float) -> float:
    return float(special.expit(x))


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    n = len(x)
    step = 1e-4 * np.maximum(np.abs(x), 1.0)
    hess = np.empty((n, n))
    fx = f(x)
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * step[i], np.eye(n)[j] * step[j]
            if i == j:
                value = (f(x + ei) - 2 * fx + f(x - ei)) / step[i] ** 2
            else:
                value = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * step[i] * step[j])
            hess[i, j] = hess[j, i] = value
    return hess
