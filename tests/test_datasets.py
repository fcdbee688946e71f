"""Tests of the real-data loaders: UCI (registry, shared mirror) and logomaker sets."""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import UCI, needs_uci

from gdl_utils.datasets import (
    DataIntegrityError,
    load_ars1_library,
    load_ars1_wildtype,
    load_crp_sites,
    load_human_5ss,
    load_uci_promoters,
    load_uci_splice,
)
from gdl_utils.datasets.string_ppi import read_string_links
from gdl_utils.datasets.uci import parse_uci_promoters, parse_uci_splice

SPLICE_LINE = (
    "EI,    ATRINS-DONOR-521,               "
    + "CCAGCTGCATCACAGGAGGCCAGCGAGCAGGTCTGTTCCAAGGGCCTTCGAGCCAGTCTG"
)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GDL_DATA_DIR", str(tmp_path / "default-cache"))
    monkeypatch.setenv("GDL_OFFLINE", "1")
    monkeypatch.delenv("GDL_DATA_MIRROR", raising=False)


@pytest.fixture
def uci(tmp_path):
    return {"cache_dir": tmp_path / "cache", "mirror": UCI, "offline": True}


# --------------------------------------------------------------------------- UCI


@needs_uci
def test_uci_splice_counts_classes_lengths(uci):
    df = load_uci_splice(**uci)
    assert list(df.columns) == ["label", "name", "sequence"] and len(df) == 3190
    assert df["label"].value_counts().to_dict() == {"N": 1655, "IE": 768, "EI": 767}
    assert (df["sequence"].str.len() == 60).all()
    assert list(df.index) == list(range(3190))
    non_acgt = df["sequence"].str.contains("[^ACGT]")
    assert non_acgt.sum() == 15  # IUPAC codes kept (README: N, D, R, S)
    assert set("".join(df.loc[non_acgt, "sequence"])) - set("ACGT") == set("NDRS")
    assert (
        df.loc[df["name"] == "HUMALPI1-DONOR-42", "sequence"].iloc[0].count("N") == 41
    )
    assert df["sequence"].nunique() == 3005


@needs_uci
def test_uci_promoters_counts_case_and_cached(uci):
    df = load_uci_promoters(**uci)
    assert len(df) == 106 and df["label"].value_counts().to_dict() == {"+": 53, "-": 53}
    assert (df["sequence"].str.len() == 57).all()
    assert df["sequence"].str.fullmatch("[ACGT]+").all()
    assert df.iloc[0].tolist()[:2] == ["+", "S10"]
    # second load comes from the cache without a mirror
    again = load_uci_promoters(cache_dir=uci["cache_dir"], offline=True)
    assert again.equals(df)


def test_uci_loader_accepts_a_local_path_and_checks_content(tmp_path):
    path = tmp_path / "splice.data"
    path.write_text(SPLICE_LINE + "\n")
    assert parse_uci_splice(path).index.tolist() == [1]
    with pytest.raises(DataIntegrityError, match="1 records, expected 3190"):
        load_uci_splice(path)


@pytest.mark.parametrize(
    "line, message",
    [
        ("EI, NAME-ONLY", "line 2: expected 3 comma-separated fields"),
        ("XX, NAME, ACGT", "line 2: class 'XX' is not one of"),
        (
            "EI, NAME, ACGTZ",
            "line 2: character 'Z' at sequence position 4 of record 'NAME'",
        ),
        ("EI, NAME,   ", "line 2: empty sequence"),
    ],
)
def test_uci_splice_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "splice.data"
    path.write_text(SPLICE_LINE + "\n" + line + "\n")
    with pytest.raises(ValueError, match=message) as info:
        parse_uci_splice(path)
    assert str(path) in str(info.value)


def test_uci_promoters_parser_uppercases_and_rejects_iupac(tmp_path):
    path = tmp_path / "promoters.data"
    path.write_text("+,S10,\t\ttactag\n\n-,X,\t\tacgn\n")
    with pytest.raises(ValueError, match="line 3: character 'N'"):
        parse_uci_promoters(path)
    path.write_text("+,S10,\t\ttactag\n")
    assert parse_uci_promoters(path)["sequence"].tolist() == ["TACTAG"]


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.data"
    path.write_text("\n\n")
    with pytest.raises(ValueError, match="no records"):
        parse_uci_splice(path)


# ----------------------------------------------------------------------- logomaker sets


def test_human_5ss():
    df = load_human_5ss()
    assert list(df.columns) == ["sequence", "count"] and len(df) == 10_227
    assert df["sequence"].str.fullmatch("[ACGT]{3}G[CT][ACGT]{4}").all()
    assert df["sequence"].is_unique and (df["count"] >= 1).all()
    assert df["count"].is_monotonic_decreasing
    assert (
        df["sequence"].iloc[0] == "CAGGTGAGT"
    )  # the consensus is the most frequent site
    assert load_human_5ss(rna=True)["sequence"].iloc[0] == "CAGGUGAGU"


def test_crp_sites():
    df = load_crp_sites()
    assert len(df) == 358 and list(df.columns) == [
        "sequence",
        "site_id",
        "promoter",
        "position",
    ]
    assert df["sequence"].str.fullmatch("[ACGT]{26}").all()
    assert df["site_id"].tolist() == list(range(358))
    assert df.iloc[0].tolist() == ["ATAAGCAGGATTTAGCTCACACTTAT", 0, "caiFp", -41.5]


def test_ars1_library_and_wildtype_orientation():
    df = load_ars1_library()
    assert list(df.columns) == ["sequence", "library_count", "selected_count"]
    assert len(df) == 603_569
    assert (
        df["library_count"].dtype == np.int64
        and (df[["library_count", "selected_count"]] >= 0).all().all()
    )
    assert (df["library_count"] + df["selected_count"] > 0).all()
    wt = load_ars1_wildtype()
    assert len(wt) == 150 and set(wt) <= set("ACGT")
    assert load_ars1_wildtype(orientation="file") == wt[::-1].translate(
        str.maketrans("ACGT", "TGCA")
    )
    lib = np.frombuffer(
        "".join(df["sequence"].iloc[:2000]).encode(), dtype="S1"
    ).reshape(-1, 150)
    mismatches = (lib != np.frombuffer(wt.encode(), dtype="S1")).sum(axis=1)
    assert (
        np.median(mismatches) < 20
    )  # mutagenised copies of the wild type, same strand
    with pytest.raises(ValueError, match="orientation"):
        load_ars1_wildtype(orientation="minus")


# ------------------------------------------------------------------- STRING links


def _string_rda(path, a, b, score):
    """Write an ``.rda`` file like STRINGdb's ``interactions_example``."""
    import pandas as pd
    import rdata

    df = pd.DataFrame(
        {
            "proteinA": pd.array(a, dtype="string"),
            "proteinB": pd.array(b, dtype="string"),
            "score": np.asarray(score, dtype=float),
        }
    )
    rdata.write_rda(path, {"interactions_example": df})
    return path


def test_string_links_read_a_small_file(tmp_path):
    path = _string_rda(
        tmp_path / "links.rda", ["p1", "p2", "p3"], ["p2", "p3", "p1"], [0.9, 0.4, 1.0]
    )
    links = read_string_links(path)
    assert list(links.proteins) == ["p1", "p2", "p3"]
    assert links.edge_index.tolist() == [[0, 1, 2], [1, 2, 0]]
    kept = read_string_links(path, min_score=0.9)
    assert kept.score.tolist() == [0.9, 1.0] and kept.n_nodes == 3


@pytest.mark.parametrize(
    "column,ids,row,what",
    [
        ("proteinA", ["p1", None, "p3"], 2, "missing \\(NA\\)"),
        ("proteinB", ["p2", "p3", ""], 3, "empty"),
        ("proteinA", ["p1", "  ", "p3"], 2, "empty"),
    ],
)
def test_string_links_refuse_missing_protein_ids(tmp_path, column, ids, row, what):
    """Issue 24 §1: an NA id became the node '<NA>', an empty id the node ''."""
    cols = {"proteinA": ["p1", "p2", "p3"], "proteinB": ["p2", "p3", "p1"]}
    cols[column] = ids
    path = _string_rda(
        tmp_path / "na.rda", cols["proteinA"], cols["proteinB"], [0.5] * 3
    )
    with pytest.raises(ValueError, match=rf"na.rda: row {row}: {column} is {what}"):
        read_string_links(path)


@pytest.mark.parametrize("bad", [float("nan"), 2, -0.1, 1000, float("inf")])
def test_string_links_refuse_a_min_score_outside_0_1(tmp_path, bad):
    """Issue 24 §1: min_score=nan or 2 gave an empty graph without a word."""
    path = _string_rda(tmp_path / "links.rda", ["p1", "p2"], ["p2", "p3"], [0.9, 0.4])
    with pytest.raises(ValueError, match=r"min_score must lie in \[0, 1\]"):
        read_string_links(path, min_score=bad)
    with pytest.raises(TypeError, match="min_score"):
        read_string_links(path, min_score="0.5")


def test_string_links_refuse_a_filter_that_keeps_no_link(tmp_path):
    path = _string_rda(tmp_path / "links.rda", ["p1", "p2"], ["p2", "p3"], [0.9, 0.4])
    with pytest.raises(
        ValueError, match=r"links.rda: no link has score >= 0.95 \(the highest is 0.9"
    ):
        read_string_links(path, min_score=0.95)
