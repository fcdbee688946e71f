"""The chapter 8 exercise check: a correct ISM passes, broken ones fail."""

from __future__ import annotations

import numpy as np
import pytest

from gdl_utils.exercises import check_ism


def my_ism(predict_fn, x):
    """A correct ISM: the reference and every variant, one call."""
    _, length = x.shape
    variants = np.repeat(x[None], 4 * length, axis=0)  # (4L, 4, L); row 4p + b
    for p in range(length):
        variants[4 * p : 4 * p + 4, :, p] = np.eye(4)
    pred = np.asarray(predict_fn(np.concatenate([x[None], variants]))).reshape(-1)
    return (pred[1:].reshape(length, 4) - pred[0]).T


def test_correct_ism_passes():
    summary = check_ism(my_ism)
    assert summary.startswith("check_ism: all 15 cases") and "\n" not in summary


def test_transposed_fails():
    def transposed(predict_fn, x):  # (L, 4) instead of (4, L)
        return my_ism(predict_fn, x).T

    with pytest.raises(AssertionError, match="expected shape"):
        check_ism(transposed)


def test_adding_the_base_instead_of_replacing_fails():
    def added(predict_fn, x):  # the variant keeps the reference base: two 1s at p
        _, length = x.shape
        variants = np.repeat(x[None], 4 * length, axis=0)
        for p in range(length):
            variants[4 * p : 4 * p + 4, :, p] += np.eye(4)
        pred = np.asarray(predict_fn(np.concatenate([x[None], variants]))).reshape(-1)
        return (pred[1:].reshape(length, 4) - pred[0]).T

    with pytest.raises(AssertionError, match="predictor linear"):
        check_ism(added)


def test_reference_not_subtracted_fails():
    def no_reference(predict_fn, x):
        _, length = x.shape
        variants = np.repeat(x[None], 4 * length, axis=0)
        for p in range(length):
            variants[4 * p : 4 * p + 4, :, p] = np.eye(4)
        return np.asarray(predict_fn(variants)).reshape(length, 4).T

    with pytest.raises(AssertionError, match="base"):
        check_ism(no_reference)
