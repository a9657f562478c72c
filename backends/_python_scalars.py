"""The python backend's scalar math: one element in, one out, with NumPy's answer at every edge.

Python's float operators raise (OverflowError, ZeroDivisionError) or go complex where NumPy returns
inf or nan; each function here catches that and answers as NumPy does. The python backend's ops are
loops around these.
"""

from __future__ import annotations

import math


def exp(x: float) -> float:
    try:
        return math.exp(x)  # nan stays nan, exp(-inf) is 0
    except OverflowError:  # exactly where the result exceeds the float range
        return math.inf


def log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def divide(a: float, b: float) -> float:
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def power(a: float, b: float) -> float:
    if -math.inf < a < 0 and math.isfinite(b) and b != math.floor(b):
        return math.nan  # not a real number (Python would give a complex one, or overflow)
    try:
        return a**b
    except (OverflowError, ZeroDivisionError):  # |a**b| beyond the range, or 0 ** negative: an inf,
        return math.copysign(math.inf, a) if odd(b) else math.inf  # negative as a**b would be


def odd(b: float) -> bool:
    return math.isfinite(b) and b == math.floor(b) and math.fmod(b, 2.0) != 0.0


def maximum(a: float, b: float) -> float:
    return a if a >= b or a != a else b


def minimum(a: float, b: float) -> float:
    return a if a <= b or a != a else b


def sigmoid_backward(dA: float, z: float) -> float:
    e = math.exp(-abs(z))  # s (1 - s) = e / (1 + e)**2: no 1 - s to cancel in the tails
    return dA * (e / ((1.0 + e) * (1.0 + e)))


def tanh_backward(dA: float, z: float) -> float:
    e = math.exp(-2.0 * abs(z))  # 1 - tanh(z)**2 = 4e / (1 + e)**2, e = exp(-2|z|)
    return dA * (4.0 * e / ((1.0 + e) * (1.0 + e)))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def clip(v: float, lo: float, hi: float) -> float:
    """np.clip of one value: maximum(v, lo), then minimum(., hi); a nan value or bound gives nan, and
    lo > hi gives hi."""
    t = lo if (lo != lo or lo > v) else v
    return hi if (hi != hi or hi < t) else t
