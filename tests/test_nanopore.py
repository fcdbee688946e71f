"""FAST5 reading, chunking with exact labels, and the region split (chapter 4.3)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch
from shared_data import MIRROR, MIRRORS, needs_mirror

from gdl_utils.basecalling.batches import ctc_batches
from gdl_utils.basecalling.chunks import (
    assert_no_leakage,
    chunk_reads,
    cut_chunks,
    normalise_signal,
    region_split,
)
from gdl_utils.datasets.nanopore import (
    NanoporeRead,
    load_lambda_reference,
    load_nanopore_reads,
    read_fast5,
)
from gdl_utils.dna.strands import reverse_complement

RESQUIGGLE = "Analyses/RawGenomeCorrected_000/BaseCalled_template"


def write_fast5(
    path,
    bases="ACGTTGCA" * 50,
    per_base=10,
    drop=None,
    strand="+",
    *,
    signal=None,
    starts=None,
    align=None,
    events_attrs=None,
):
    """A minimal single-read FAST5 laid out like the lambda files.

    ``signal`` and ``starts`` replace the raw current and the events' starts;
    ``align`` and ``events_attrs`` update the attributes (a value ``None`` deletes
    one).
    """
    n = len(bases)
    rng = np.random.default_rng(0)
    if signal is None:
        signal = rng.integers(300, 700, size=n * per_base + 200).astype(np.int16)
    events = np.zeros(
        n,
        dtype=[("start", "<u4"), ("length", "<u4"), ("base", "S1")],
    )
    events["start"] = np.arange(n) * per_base if starts is None else starts
    events["length"] = per_base
    events["base"] = [b.encode() for b in bases]
    with h5py.File(path, "w") as h5:
        raw = h5.create_group("Raw/Reads/Read_7")
        raw.attrs["read_id"] = b"read-7"
        raw.create_dataset("Signal", data=signal)
        if drop != "resquiggle":
            group = h5.create_group(RESQUIGGLE)
            ev = group.create_dataset("Events", data=events)
            attrs = {"read_start_rel_to_raw": 100, **(events_attrs or {})}
            ev.attrs.update({k: v for k, v in attrs.items() if v is not None})
            attrs = dict(mapped_start=1000, mapped_end=1000 + n, mapped_strand=strand)
            attrs.update(align or {})
            group.create_group("Alignment").attrs.update(
                {k: v for k, v in attrs.items() if v is not None}
            )
        if drop != "fastq":
            fq = f"@read-7\n{bases}\n+\n{'5' * n}\n"
            h5.create_dataset(
                "Analyses/Basecall_1D_000/BaseCalled_template/Fastq", data=fq
            )
    return path


def test_read_fast5_of_a_written_file(tmp_path):
    read = read_fast5(write_fast5(tmp_path / "r.fast5"))
    assert read.read_id == "read-7" and read.bases.startswith("ACGTTGCA")
    assert read.starts[0] == 100 and (read.lengths == 10).all()
    assert read.ref_positions()[[0, -1]].tolist() == [1000, 1399]
    assert read.guppy == read.bases


@pytest.mark.parametrize("drop", ["resquiggle", "fastq"])
def test_fast5_without_expected_groups_names_file_and_read(tmp_path, drop):
    path = write_fast5(tmp_path / "bad.fast5", drop=drop)
    with pytest.raises(ValueError, match=r"bad\.fast5 \(read read-7\): no "):
        read_fast5(path)


def test_fast5_events_out_of_order_are_refused(tmp_path):
    """Starts must follow the signal: a swapped pair would mislabel chunks."""
    starts = np.arange(400) * 10
    starts[[5, 6]] = starts[[6, 5]]
    path = write_fast5(tmp_path / "order.fast5", starts=starts)
    with pytest.raises(
        ValueError, match=r"order\.fast5 \(read read-7\): event 6 starts at sample 150"
    ):
        read_fast5(path)
    starts = np.arange(400) * 10
    starts[7] += 5  # overlaps the next base
    with pytest.raises(ValueError, match=r"event 8 starts at sample 180.*event 7"):
        read_fast5(write_fast5(tmp_path / "overlap.fast5", starts=starts))


@pytest.mark.parametrize("strand", ["", "+-", "x", "minus"])
def test_fast5_strand_must_be_plus_or_minus(tmp_path, strand):
    path = write_fast5(tmp_path / "s.fast5", strand=strand)
    with pytest.raises(
        ValueError, match=r"s\.fast5 \(read read-7\): .*mapped_strand.*'\+' or '-'"
    ):
        read_fast5(path)


def test_fast5_nan_sample_is_refused_naming_read_and_position(tmp_path):
    signal = np.random.default_rng(0).normal(500, 50, 4200).astype(np.float32)
    assert read_fast5(write_fast5(tmp_path / "f.fast5", signal=signal)).signal.size
    signal[1234] = np.nan
    path = write_fast5(tmp_path / "nan.fast5", signal=signal)
    with pytest.raises(
        ValueError, match=r"nan\.fast5 \(read read-7\): .*Signal.*sample 1234.*nan"
    ):
        read_fast5(path)


@pytest.mark.parametrize(
    "signal, expected",
    [
        (np.bytes_(b"1234" * 1100), r"has dtype \|S4400; expected numbers"),
        (np.array([b"12", b"34"] * 2100), r"has dtype \|S2; expected numbers"),
        (
            np.zeros((2, 4200), np.int16),
            r"has shape \(2, 4200\); expected \(n_samples,\)",
        ),
    ],
    ids=["bytes", "byte-array", "2-d"],
)
def test_fast5_signal_must_be_a_1d_array_of_numbers(tmp_path, signal, expected):
    path = write_fast5(tmp_path / "sig.fast5", signal=signal)
    where = r"sig\.fast5 \(read read-7\): Raw/Reads/Read_7/Signal "
    with pytest.raises(ValueError, match=where + expected):
        read_fast5(path)


@pytest.mark.parametrize(
    "kw, attribute",
    [
        ({"align": {"mapped_start": None}}, "mapped_start"),
        ({"align": {"mapped_end": None}}, "mapped_end"),
        ({"align": {"mapped_strand": None}}, "mapped_strand"),
        ({"events_attrs": {"read_start_rel_to_raw": None}}, "read_start_rel_to_raw"),
    ],
)
def test_fast5_missing_attribute_names_file_and_attribute(tmp_path, kw, attribute):
    path = write_fast5(tmp_path / "attr.fast5", **kw)
    with pytest.raises(
        ValueError, match=rf"attr\.fast5 \(read read-7\): .*no attribute '{attribute}'"
    ):
        read_fast5(path)


def test_fast5_attribute_that_is_not_an_integer_is_named(tmp_path):
    path = write_fast5(tmp_path / "int.fast5", align={"mapped_start": "ten"})
    with pytest.raises(ValueError, match=r"int\.fast5 .*'mapped_start'.*'ten'"):
        read_fast5(path)


def test_not_a_fast5_file(tmp_path):
    path = tmp_path / "text.fast5"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"text\.fast5: not a readable FAST5"):
        read_fast5(path)


def test_non_acgt_labels_name_file_read_and_event(tmp_path):
    path = write_fast5(tmp_path / "n.fast5", bases="ACGTNACGT" * 30)
    with pytest.raises(ValueError, match=r"n\.fast5 \(read read-7\).*'N' at event 4"):
        read_fast5(path)
    read = read_fast5(write_fast5(tmp_path / "ok.fast5"))
    bad = NanoporeRead(**{**vars(read), "bases": "ACGU" + read.bases[4:]})
    with pytest.raises(ValueError, match=r"ok\.fast5 \(read read-7\).*'U'"):
        cut_chunks(bad, 100)


def test_read_shorter_than_one_chunk_is_an_error_naming_it(tmp_path):
    read = read_fast5(write_fast5(tmp_path / "short.fast5", bases="ACGT" * 10))
    with pytest.raises(ValueError, match=r"short\.fast5 \(read read-7\).*400 samples"):
        cut_chunks(read, 1000)
    chunks, skipped = chunk_reads(
        [read, read_fast5(write_fast5(tmp_path / "r.fast5"))], 1000, min_bases=1
    )
    assert skipped == ["read-7"] and len(chunks) == 4


def test_chunks_carry_exact_labels_and_intervals(tmp_path):
    for strand in "+-":
        read = read_fast5(write_fast5(tmp_path / "r.fast5", strand=strand))
        chunks = cut_chunks(read, 95)  # bases start every 10 samples
        assert chunks.signal.shape == (42, 95) and chunks.signal.dtype == np.float32
        assert "".join(chunks.sequences) == read.bases[: len("".join(chunks.sequences))]
        assert [len(s) for s in chunks.sequences[:3]] == [10, 9, 10]
        assert (
            chunks.ref_hi - chunks.ref_lo == [len(s) for s in chunks.sequences]
        ).all()
        first = (1000, 1010) if strand == "+" else (1390, 1400)
        assert (chunks.ref_lo[0], chunks.ref_hi[0]) == first


def test_normalise_signal_is_robust_and_checks_input():
    x = np.r_[np.random.default_rng(1).normal(100, 5, 10_000), [1e6] * 10]
    z = normalise_signal(x)
    assert abs(np.median(z)) < 1e-6 and 0.9 < np.median(np.abs(z)) * 1.4826 < 1.1
    with pytest.raises(ValueError, match="constant"):
        normalise_signal(np.ones(100))


def test_ctc_batches_layout():
    from gdl_utils.basecalling.chunks import Chunks

    chunks = Chunks(
        np.zeros((3, 50), np.float32),
        ["ACG", "T", "GGCA"],
        np.array([0, 5, 9]),
        np.array([3, 6, 13]),
        np.array(["+"] * 3),
        np.array(["r"] * 3),
    )
    (signal, targets, n_in, n_out), (s2, *_) = ctc_batches(chunks, 2)
    assert signal.shape == (2, 1, 50) and s2.shape == (1, 1, 50)
    assert targets.tolist() == [[1, 2, 3], [4, 0, 0]] and targets.dtype == torch.int64
    assert n_in.tolist() == [50, 50] and n_out.tolist() == [3, 1]


@needs_mirror
def test_real_reads_match_the_reference_on_both_strands(tmp_path):
    kw = dict(mirror=MIRRORS, offline=True, cache_dir=tmp_path)
    ref = load_lambda_reference(**kw)
    assert len(ref) == 48_502
    one = read_fast5(next((MIRROR / "nanopore_lambda/fast5").glob("*.fast5")))
    assert len(one.signal) > 1000 and set(one.guppy) <= set("ACGT")
    reads = load_nanopore_reads(**kw)
    assert len(reads) == 50 and {r.strand for r in reads} == {"+", "-"}
    for r in reads:
        seg = ref[r.ref_start : r.ref_end]
        assert r.bases == (seg if r.strand == "+" else reverse_complement(seg))
    chunks, _ = chunk_reads(reads, 1000)
    train, val, test = region_split(chunks)
    assert min(len(train), len(val), len(test)) > 100
    assert test.ref_lo.min() >= 38_800 and train.ref_hi.max() <= 38_780
    assert set(test.strand) == {"+", "-"}
    assert assert_no_leakage(train, test) == len(test)
    with pytest.raises(AssertionError, match="overlaps training"):
        assert_no_leakage(train, train.subset(np.arange(3)))
