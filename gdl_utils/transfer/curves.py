"""Learning curves: a score for every method × number of labelled examples × seed,
as one tidy frame.

- :func:`nested_sample`: the first ``n`` of one seeded permutation per group, so the
  10 examples of a seed are among its 20, its 20 among its 40 (a curve then measures
  more data, not other data).
- :func:`learning_curve`: calls ``score(**point)`` on every point of a grid and returns
  one row per point and metric.
- :func:`curve_summary`: mean, standard deviation and count over seeds.

Used in: chapter 9 (09a).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pandas as pd

from .._util import check_int

__all__ = ["curve_summary", "learning_curve", "nested_sample"]


def nested_sample(
    frame: pd.DataFrame, n: int, *, by: str = "label", seed: int | None = None
) -> pd.DataFrame:
    """``n`` rows of every ``by`` group: the first ``n`` of a permutation that
    depends only on ``seed`` and the group, so a smaller ``n`` gives a subset of a
    larger one.

    Raises ``ValueError`` naming the group when it has fewer than ``n`` rows.

    Used in: chapter 9 (09a).
    """
    n = check_int(n, "nested_sample: n", minimum=1)
    picked = []
    for i, (group, rows) in enumerate(frame.groupby(by, sort=True)):
        if len(rows) < n:
            raise ValueError(
                f"nested_sample: group {group!r} has {len(rows)} rows, fewer than n={n}"
            )
        order = np.random.default_rng([0 if seed is None else seed, i]).permutation(
            len(rows)
        )
        picked.append(rows.iloc[np.sort(order[:n])])
    return pd.concat(picked)


def learning_curve(score: Callable[..., dict], **axes) -> pd.DataFrame:
    """Evaluate ``score`` on every point of the grid ``axes``.

    Parameters
    ----------
    score : ``score(**point) -> {metric: value}`` (or a float, stored as ``"score"``)
    **axes : name -> sequence of values, e.g. ``method=[...], n=[10, 40], seed=[0, 1]``

    Returns
    -------
    Tidy DataFrame: one row per grid point and metric, columns = the axes, ``metric``
    and ``value``.

    Used in: chapter 9 (09a).
    """
    if not axes:
        raise ValueError("learning_curve: give at least one axis, e.g. n=[10, 40]")
    rows = []
    names = list(axes)
    for values in itertools.product(*(list(axes[a]) for a in names)):
        point = dict(zip(names, values))
        out = score(**point)
        out = out if isinstance(out, dict) else {"score": out}
        for metric, value in out.items():
            rows.append({**point, "metric": metric, "value": float(value)})
    return pd.DataFrame(rows)


def curve_summary(frame: pd.DataFrame, by, *, over: str = "seed") -> pd.DataFrame:
    """Mean, standard deviation (ddof 1; NaN for one seed) and count (``runs``) of
    ``value`` over ``over``, grouped by the columns ``by``.

    Used in: chapter 9 (09a).
    """
    by = [by] if isinstance(by, str) else list(by)
    if over in by:
        raise ValueError(f"curve_summary: {over!r} cannot be in by={by}")
    g = frame.groupby(by, sort=False)["value"]
    return g.agg(mean="mean", std="std", runs="count").reset_index()
