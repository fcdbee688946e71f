"""The chapter 1 exercise check: a correct one-hot encoder passes, broken ones fail."""

import numpy as np
import pytest

from gdl_utils.exercises import check_one_hot


def good(seq):
    x = np.zeros((4, len(seq)), dtype=np.float32)
    for j, ch in enumerate(seq.upper()):
        if ch in "ACGT":
            x["ACGT".index(ch), j] = 1.0
        elif ch != "N":
            raise ValueError(f"invalid character {ch!r} at position {j}")
    return x


def test_a_correct_encoder_passes():
    assert check_one_hot(good).startswith("check_one_hot: all 29 sequences agree")


def test_wrong_channel_order_fails_and_names_the_case():
    def acgt_as_agct(seq):
        return good(seq)[[0, 2, 1, 3]]

    with pytest.raises(AssertionError, match="for 'ACGT' expected"):
        check_one_hot(acgt_as_agct)


def test_case_sensitive_encoder_fails():
    def upper_only(seq):
        x = np.zeros((4, len(seq)), dtype=np.float32)
        for j, ch in enumerate(seq):
            if ch in "ACGT":
                x["ACGT".index(ch), j] = 1.0
        return x

    with pytest.raises(AssertionError, match="'acgt'"):
        check_one_hot(upper_only)


def test_an_encoder_that_accepts_anything_fails():
    def silent(seq):
        return good("".join(c if c.upper() in "ACGTN" else "N" for c in seq))

    with pytest.raises(AssertionError, match="'ACGX'.*expected a ValueError"):
        check_one_hot(silent)


def test_length_major_layout_fails_on_the_shape():
    with pytest.raises(AssertionError, match="expected shape"):
        check_one_hot(lambda s: good(s).T)


def test_an_encoder_that_refuses_n_fails_and_names_the_input():
    def no_n(seq):
        if "N" in seq.upper():
            raise ValueError("N")
        return good(seq)

    with pytest.raises(AssertionError, match="for 'N' expected a \\(4, 1\\) array"):
        check_one_hot(no_n)
