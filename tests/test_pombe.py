"""Tests for gdl_utils.datasets.pombe: the checked half-life table and its errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gdl_utils.datasets import check_pombe_halflife


def _table(**change) -> pd.DataFrame:
    rows = {
        "ID": ["TU.1", "TU.2", "TU.3"],
        "chr": ["chr1", "chr2", "chr3"],
        "strand": ["+", "-", "+"],
        "seq": ["ACGTAC", "TTTATTTAT", "acga"],
        "hlt": [1.0, 0.5, -0.2],
        "synth": [0.7, 0.8, 0.9],
        "UTR3_length": np.log10(np.array([6, 9, 4]) + 1),
        "UTR5_length": np.log10(np.array([10, 0, 99]) + 1),
    }
    rows.update(change)
    return pd.DataFrame(rows)


def test_tidy_columns():
    d = check_pombe_halflife(_table())
    assert list(d.columns) == [
        "id",
        "chrom",
        "strand",
        "utr3",
        "utr3_len",
        "utr5_len",
        "log_halflife",
        "log_synthesis",
    ]
    assert d.utr3.tolist()[2] == "ACGA" and d.utr3_len.tolist() == [6, 9, 4]
    assert d.utr5_len.tolist() == [10, 0, 99]


@pytest.mark.parametrize(
    "change,match",
    [
        (
            {"seq": ["ACGTAC", "TTTNTTTAT", "ACGA"]},
            r"line 3 \(gene TU.2\).*'N' at "
            r"position 3",
        ),
        ({"seq": ["ACGTAC", "TTTATTTAT", "AC-A"]}, r"line 4 .*'-' at position 2"),
        ({"hlt": [1.0, np.nan, 0.1]}, r"line 3 .*half-life hlt=nan"),
        ({"hlt": [1.0, -np.inf, 0.1]}, r"line 3 .*half-life hlt=-inf"),
        ({"synth": [1.0, 1.0, np.nan]}, r"line 4 .*synthesis rate"),
        ({"chr": ["chr1", "mito", "chr3"]}, r"chromosome 'mito'"),
        ({"UTR3_length": [1.0, 1.0, 0.69897]}, r"line 2 .*UTR3_length"),
    ],
)
def test_bad_rows_are_named(change, match):
    with pytest.raises(ValueError, match=match):
        check_pombe_halflife(_table(**change), "x.csv")


def test_missing_column():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['synth'\]"):
        check_pombe_halflife(_table().drop(columns="synth"))


def test_real_file():
    from gdl_utils.datasets import load_pombe_halflife

    try:
        d = load_pombe_halflife()
    except Exception as err:  # no mirror on this machine
        pytest.skip(f"pombe_halflife not available: {type(err).__name__}")
    assert len(d) == 3713
    assert d.chrom.value_counts().to_dict() == {"chr1": 1692, "chr2": 1361, "chr3": 660}
    assert set("".join(d.utr3)) == set("ACGT")
