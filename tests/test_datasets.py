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
