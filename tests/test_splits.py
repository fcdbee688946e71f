"""Tests of de-duplication and leakage-free splitting (toy frames, Hypothesis, and UCI
splice/promoters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import UCI, needs_uci

from gdl_utils.dna.duplicates import deduplicate, duplicate_summary
from gdl_utils.dna.splits import dedup_kfold, positions, train_val_test_split


@pytest.fixture
def toy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sequence": ["AAA", "CCC", "AAA", "GGG", "TTT", "GGG", "CCC", "ACG"],
            "label": ["x", "y", "x", "x", "y", "y", "y", "x"],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )


@pytest.fixture
def splice(tmp_path) -> pd.DataFrame:
    from gdl_utils.datasets import load_uci_splice

    return load_uci_splice(cache_dir=tmp_path / "cache", mirror=UCI, offline=True)


@st.composite
def frames(draw):
    """Frames with many exact duplicates, some conflicting labels, 2-3 strata."""
    n = draw(st.integers(10, 80))
    seqs = draw(
        st.lists(st.text("ACGT", min_size=2, max_size=3), min_size=n, max_size=n)
    )
    labels = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    return pd.DataFrame({"sequence": seqs, "label": labels})


def _seqs(*parts) -> list[set]:
    return [set(p["sequence"]) for p in parts]


# ---------------------------------------------------------------------------
# deduplicate


def test_deduplicate_drops_copies_and_conflicts(toy):
    out = deduplicate(toy)
    # GGG has labels x and y
    assert out["sequence"].tolist() == [
        "AAA",
        "CCC",
        "TTT",
        "ACG",
    ]
    assert out.index.tolist() == [10, 11, 14, 17]  # first copies, original index
    assert deduplicate(toy, label_col=None)["sequence"].tolist() == [
        "AAA",
        "CCC",
        "GGG",
        "TTT",
        "ACG",
    ]
    with pytest.raises(
        ValueError, match=r"'GGG' with labels \['x', 'y'\] \(rows \[13, 15\]\)"
    ):
        deduplicate(toy, conflicts="error")
    with pytest.raises(ValueError, match="conflicts must be"):
        deduplicate(toy, conflicts="keep")
    with pytest.raises(ValueError, match="column 'seq' not in the frame"):
        deduplicate(toy, seq_col="seq")


def test_duplicate_summary(toy):
    assert duplicate_summary(toy) == {
        "records": 8,
        "distinct": 5,
        "repeated": 3,
        "extra_copies": 3,
        "conflicting": 1,
        "conflicting_records": 2,
    }


@needs_uci
def test_uci_splice_duplication_numbers(splice):
    assert duplicate_summary(splice) == {
        "records": 3190,
        "distinct": 3005,
        "repeated": 125,
        "extra_copies": 185,
        "conflicting": 1,
        "conflicting_records": 2,
    }
    dedup = deduplicate(splice)
    assert len(dedup) == 3004 and dedup["sequence"].is_unique
    assert dedup["label"].value_counts().to_dict() == {"N": 1653, "EI": 679, "IE": 672}


# ---------------------------------------------------------------------------
# train/val/test


@needs_uci
def test_splice_split_no_leakage_and_strata(splice):
    parts = train_val_test_split(splice, stratify="label", seed=1)
    assert [len(p) for p in parts] == [2102, 451, 451]
    a, b, c = _seqs(*parts)
    assert not (a & b or a & c or b & c)
    whole = deduplicate(splice)["label"].value_counts(normalize=True)
    for part in parts:
        share = part["label"].value_counts(normalize=True)
        assert (share - whole).abs().max() < 0.005
    again = train_val_test_split(splice, stratify="label", seed=1)
    assert all(p.index.equals(q.index) for p, q in zip(parts, again))
    other = train_val_test_split(splice, stratify="label", seed=2)
    assert not parts[2].index.equals(other[2].index)


def test_split_without_dedupe_keeps_copies_together(toy):
    train, val, test = train_val_test_split(
        toy, (0.5, 0.25, 0.25), dedupe=False, seed=3
    )
    assert len(train) + len(val) + len(test) == len(toy)
    a, b, c = _seqs(train, val, test)
    assert not (a & b or a & c or b & c)


def test_split_rejects_bad_fractions(toy):
    for bad in [(0.8, 0.2), (0.5, 0.5, 0.5), (1.2, -0.1, -0.1)]:
        with pytest.raises(ValueError, match="fractions must be"):
            train_val_test_split(toy, bad)
    with pytest.raises(ValueError, match="column 'kind'"):
        train_val_test_split(toy, stratify="kind")


@settings(max_examples=60, deadline=None)
@given(df=frames(), seed=st.integers(0, 10), val=st.sampled_from([0.0, 0.1, 0.2]))
def test_split_properties(df, seed, val):
    fractions = np.array([0.6, val, 0.4 - val])
    parts = train_val_test_split(df, fractions, stratify="label", seed=seed)
    dedup = deduplicate(df)
    sets = _seqs(*parts)
    assert sum(len(p) for p in parts) == len(dedup)
    assert set().union(*sets) == set(dedup["sequence"])
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    for label, n in dedup["label"].value_counts().items():
        for part, f in zip(parts, fractions):
            # largest remainder per stratum
            assert abs((part["label"] == label).sum() - f * n) < 1


# --------------------------------------------------------------------------- k-fold


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
@settings(max_examples=40, deadline=None)
@given(df=frames(), k=st.integers(2, 5), stratified=st.booleans())
def test_kfold_partitions_distinct_sequences(df, k, stratified):
    dedup = deduplicate(df)
    if len(dedup) < k:
        with pytest.raises(ValueError, match="n_splits must be"):
            dedup_kfold(df, k)
        return
    if stratified and dedup["label"].value_counts().max() < k:
        with pytest.raises(ValueError, match="no class has"):
            dedup_kfold(df, k, stratify="label")
        return
    out, folds = dedup_kfold(df, k, stratify="label" if stratified else None, seed=0)
    assert out.equals(dedup) and len(folds) == k
    tests = np.concatenate([test for _, test in folds])
    # every distinct sequence tested exactly once
    assert sorted(tests) == list(range(len(out)))
    for train, test in folds:
        assert not set(out["sequence"].iloc[train]) & set(out["sequence"].iloc[test])
        assert len(train) + len(test) == len(out)


@needs_uci
def test_kfold_stratified_on_splice(splice):
    dedup, folds = dedup_kfold(splice, 10, stratify="label", seed=0)
    assert len(dedup) == 3004 and len(folds) == 10
    overall = dedup["label"].value_counts(normalize=True)
    for _, test in folds:
        share = dedup["label"].iloc[test].value_counts(normalize=True)
        assert (share - overall).abs().max() < 0.01


@needs_uci
def test_leave_one_out_on_promoters(tmp_path):
    from gdl_utils.datasets import load_uci_promoters

    df = load_uci_promoters(cache_dir=tmp_path / "cache", mirror=UCI, offline=True)
    for n_splits in ("loo", 106):
        dedup, folds = dedup_kfold(df, n_splits)
        assert len(dedup) == 106 and len(folds) == 106
        assert [test.tolist() for _, test in folds] == [[i] for i in range(106)]
        assert all(
            len(train) == 105 and i not in train for i, (train, _) in enumerate(folds)
        )
    with pytest.raises(ValueError, match=r"\[2, 106\]"):
        dedup_kfold(df, 107)
    with pytest.raises(ValueError, match="n_splits must be"):
        dedup_kfold(df, "all")


def test_kfold_stratified_needs_enough_members(toy):
    with pytest.raises(ValueError, match="no class has n_splits=3"):
        # 4 distinct sequences: AAA, ACG (x), CCC, TTT (y)
        dedup_kfold(toy, 3, stratify="label")


# ------------------------------------------------------------------- index convention
# (CONTRIBUTING)
def test_parts_keep_labels_and_positions_index_arrays(toy):
    """Frames keep the original labels; positions() turns a part into row positions for
    arrays."""
    X = np.arange(len(toy)) * 10  # one array row per frame row
    train, val, test = train_val_test_split(
        toy, (0.5, 0.25, 0.25), seed=0, label_col=None
    )
    for part in (train, val, test):
        assert set(part.index) <= set(toy.index)  # labels 10..17, not positions
        pos = positions(toy, part)
        assert pos.dtype == np.int64
        np.testing.assert_array_equal(
            X[pos] // 10, [toy.index.get_loc(i) for i in part.index]
        )
        assert toy.iloc[pos]["sequence"].tolist() == part["sequence"].tolist()
    with pytest.raises(ValueError, match="label 99 of the part is not in the frame"):
        positions(toy, [10, 99])


def test_kfold_returns_positions_into_the_dedup_frame(toy):
    dedup, folds = dedup_kfold(toy, 2, seed=0)
    # labels kept; GGG (labels x and y) is dropped
    assert list(dedup.index) == [
        10,
        11,
        14,
        17,
    ]
    for tr, te in folds:
        assert tr.dtype == np.int64 and te.dtype == np.int64
        # positions 0..n-1, not labels
        assert set(tr) | set(te) == set(range(len(dedup)))


def test_duplicate_index_labels_are_refused(toy):
    """With repeated labels, a part's labels would select the wrong rows: refuse,
    naming the fix."""
    bad = toy.set_axis([0, 1, 2, 3, 0, 1, 2, 3])
    for call in (
        lambda: train_val_test_split(bad, seed=0),
        lambda: dedup_kfold(bad, 2, seed=0),
        lambda: positions(bad, bad.iloc[:2]),
    ):
        with pytest.raises(
            ValueError, match=r"duplicate labels \(e\.g\. 0\).*reset_index"
        ):
            call()


def test_seed_defaults_to_none_and_none_still_splits(toy):
    import inspect

    for func in (train_val_test_split, dedup_kfold):
        assert inspect.signature(func).parameters["seed"].default is None
    parts = train_val_test_split(toy, (0.5, 0.25, 0.25), label_col=None)
    assert sum(len(p) for p in parts) == toy["sequence"].nunique()


@pytest.mark.parametrize("bad", [2.5, True, "3", 1, 99])
def test_kfold_bad_n_splits(toy, bad):
    with pytest.raises(ValueError, match="n_splits must be 'loo' or an integer"):
        dedup_kfold(toy, bad, seed=0)


def test_contained_in_finds_either_strand_and_only_whole_copies():
    from gdl_utils.dna import contained_in, reverse_complement

    windows = ["AAACGTTGCAGG", "TTTTTTTT"]
    seqs = ["cgttg", reverse_complement("GTTGCA"), "CGTTGCAGGA", "GGGGG"]
    assert contained_in(seqs, windows).tolist() == [True, True, False, False]
    assert contained_in([], windows).tolist() == []
    with pytest.raises(ValueError, match="empty sequence"):
        contained_in([""], windows)
