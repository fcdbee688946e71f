"""What every check does with a student's function: call it, turn its result into an
array, and say plainly when it raised or returned the wrong shape.

Used in: the checks of ``gdl_utils.exercises`` (ch02, ch03).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .._util import as_numpy


def call_student(
    check: str, case: str, what: str, fn: Callable, args: Sequence, expected: np.ndarray
) -> np.ndarray:
    """``fn(*args)`` as a float array of ``expected``'s shape.

    Parameters
    ----------
    check, case, what : the check's name, the case and what ``fn`` returns (for the
        message), e.g. ``"check_pwm_scan"``, ``"width 1"``, ``"scores"``
    fn : the student's function
    args : its arguments
    expected : the reference result, any shape

    Returns
    -------
    The student's result as a float64 array.

    Raises
    ------
    AssertionError
        When ``fn`` raises (its exception is named and chained) or returns another
        shape than ``expected``.

    Used in: no notebook directly (``check_mlp_forward``, ``check_pwm_scan``).
    """
    try:
        got = as_numpy(fn(*args), dtype=float)
    except Exception as err:
        raise AssertionError(
            f"{check}, {case}:\n  expected {what} of shape {expected.shape}, got "
            f"{type(err).__name__}: {err}"
        ) from err
    if got.shape != expected.shape:
        raise AssertionError(
            f"{check}, {case}: expected {what} of shape {expected.shape}, "
            f"got {got.shape}"
        )
    return got
