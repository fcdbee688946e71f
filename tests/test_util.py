"""Tests for gdl_utils._util, the private helpers every module shares."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils._util import (
    ALPHABET,
    BYTE_CODES,
    as_numpy,
    check_fraction,
    check_int,
    check_onehot,
    code_matrix,
    codes,
)


def test_as_numpy_detaches_and_moves_to_cpu(device):
    t = torch.ones(2, 3, device=device, requires_grad=True) * 2
    a = as_numpy(t)
    assert isinstance(a, np.ndarray) and a.shape == (2, 3) and (a == 2).all()
    assert as_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32
    assert as_numpy([1, 2], dtype=float).dtype == np.float64


@pytest.mark.parametrize("shape", [(4, 7), (3, 4, 7), (4, 4), (0, 4, 0)])
def test_check_onehot_accepts(shape):
    x = np.zeros(shape)
    assert check_onehot(x, "x") is x


@pytest.mark.parametrize("shape", [(4,), (3, 7), (2, 5, 7), (1, 1, 4, 4)])
def test_check_onehot_rejects_with_name_and_shape(shape):
    with pytest.raises(ValueError, match="f: x: expected one-hot shape") as err:
        check_onehot(torch.zeros(shape), "f: x")
    assert str(err.value).endswith(f"got {shape}")


def test_check_onehot_batched():
    with pytest.raises(ValueError, match=r"expected one-hot shape \(N, 4, L\)"):
        check_onehot(np.zeros((4, 5)), "x", batched=True)
    with pytest.raises(ValueError, match=r"expected one-hot shape \(4, L\) \(channels"):
        check_onehot(np.zeros((2, 4, 5)), "x", batched=False)
    with pytest.raises(ValueError, match="got list"):
        check_onehot([[0] * 4], "x")


def test_byte_codes_table():
    assert ALPHABET == "ACGT"
    for i, b in enumerate("ACGT"):
        assert BYTE_CODES[ord(b)] == BYTE_CODES[ord(b.lower())] == i
    assert (np.delete(BYTE_CODES, [ord(c) for c in "ACGTacgt"]) == 4).all()
    with pytest.raises(ValueError):
        BYTE_CODES[0] = 1  # read-only


def test_codes_and_strict_codes():
    assert codes("ACgtNu-é").tolist() == [0, 1, 2, 3, 4, 4, 4, 4]
    with pytest.raises(ValueError, match=r"seq: invalid character 'é' at position 2"):
        codes("ACé", strict=True, name="seq")
    with pytest.raises(TypeError, match="must be a str"):
        codes(b"ACGT")


def test_code_matrix():
    np.testing.assert_array_equal(code_matrix(["AC", "gt"]), [[0, 1], [2, 3]])
    assert code_matrix("ACG").shape == (1, 3)
    with pytest.raises(ValueError, match="record 1 has length 1, expected 2"):
        code_matrix(["AC", "A"])
    with pytest.raises(ValueError, match="record 1 has 'N' at position 0"):
        code_matrix(["AC", "NA"])
    with pytest.raises(ValueError, match="no sequences"):
        code_matrix([])


@pytest.mark.parametrize("value, expected", [(3, 3), (np.int64(3), 3), (3.0, 3)])
def test_check_int_accepts(value, expected):
    out = check_int(value, "k", 1)
    assert out == expected and type(out) is int


@pytest.mark.parametrize(
    "value, error, message",
    [
        (True, TypeError, "k must be an integer, got bool"),
        ("3", TypeError, "k must be an integer, got str"),
        (None, TypeError, "got NoneType"),
        (2.5, ValueError, "k must be an integer, got 2.5"),
        (float("nan"), ValueError, "got nan"),
        (0, ValueError, "k must be an integer >= 1, got 0"),
    ],
)
def test_check_int_rejects(value, error, message):
    with pytest.raises(error, match=message):
        check_int(value, "k", 1)


@pytest.mark.parametrize(
    "value, error",
    [
        (float("nan"), ValueError),
        (-0.1, ValueError),
        (1.5, ValueError),
        ("0.5", TypeError),
    ],
)
def test_check_fraction_rejects(value, error):
    with pytest.raises(error, match="gc must"):
        check_fraction(value, "gc")


@settings(deadline=None)
@given(st.floats(0, 1))
def test_check_fraction_accepts_the_unit_interval(value):
    assert check_fraction(value, "gc") == value
