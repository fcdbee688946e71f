"""Tests for gdl_utils.datasets.mpra (Kircher et al. 2019 saturation mutagenesis)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from gdl_utils.datasets.mpra import MPRA_COLUMNS, element_effects, parse_kircher_mpra

ROWS = [
    ("1", "10", "A", "C", "5", "9", "9", "0.5", "0.01", "E1", "GRCh38"),
    ("1", "10", "A", "-", "5", "9", "9", "0.1", "0.5", "E1", "GRCh38"),
    ("1", "11", "G", "T", "5", "9", "9", "-1.5", "0.001", "E1", "GRCh38"),
    ("NA", "NA", "NA", "NA", "5", "9", "9", "0.0", "0.9", "E1", "GRCh38"),
    ("1", "13", "C", "G", "5", "9", "9", "0.2", "0.3", "E1", "GRCh38"),
]


def _write(path, rows):
    text = "\t".join(MPRA_COLUMNS) + "\n"
    text += "".join("\t".join(r) + "\n" for r in rows)
    with gzip.open(path, "wt") as f:
        f.write(text)
    return path


def test_parse_and_effect_map(tmp_path):
    df = parse_kircher_mpra(_write(tmp_path / "e.tsv.gz", ROWS), {"E1": "promoter"})
    assert len(df) == 4 and (df.kind == "promoter").all()
    seq, eff, start = element_effects(df, "E1")
    assert (seq, start) == ("AGNC", 10)
    assert eff[1, 0] == 0.5 and eff[3, 1] == -1.5 and eff[2, 3] == 0.2
    assert eff[0, 0] == 0 and eff[2, 1] == 0 and np.isnan(eff[:, 2]).all()
    assert np.isnan(eff[2, 0])  # A>G not measured
    with pytest.raises(ValueError, match="no rows for element 'E2'"):
        element_effects(df, "E2")


@pytest.mark.parametrize(
    "col, value, message",
    [
        (1, "1x", "line 3: Pos is '1x'"),
        (2, "N", "line 3: Ref is 'N'"),
        (3, "X", "line 3: Alt is 'X'"),
        (7, "abc", "line 3: Coefficient is 'abc'"),
        (10, "hg19", "line 3: Release is 'hg19'"),
    ],
)
def test_errors_name_file_and_line(tmp_path, col, value, message):
    rows = [list(r) for r in ROWS]
    rows[1][col] = value
    path = _write(tmp_path / "bad.tsv.gz", rows)
    with pytest.raises(ValueError, match=f"bad.tsv.gz, {message}"):
        parse_kircher_mpra(path)


def test_missing_column(tmp_path):
    path = tmp_path / "m.tsv"
    path.write_text("Chrom\tPos\n1\t2\n")
    with pytest.raises(ValueError, match=r"m.tsv: missing column\(s\)"):
        parse_kircher_mpra(path)
