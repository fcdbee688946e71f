"""Tests for gdl_utils.dna.seqio: FASTA/BED round trips and every malformed-input rule
(file and line named)."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdl_utils.dna.bed import read_bed
from gdl_utils.dna.seqio import read_fasta, write_fasta


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


# -------------------------------------------------------------------------------- FASTA
def test_read_fasta_multiline_blank_lines_crlf_and_ids(tmp_path):
    path = write(
        tmp_path,
        "a.fa",
        ">seq1 some description\r\nACGT\r\nacgn\r\n\r\n>seq2\nRYKM\n\n>empty\n",
    )
    assert read_fasta(path, allow_empty=True) == [
        ("seq1", "ACGTacgn"),
        ("seq2", "RYKM"),
        ("empty", ""),
    ]


def test_read_fasta_accepts_str_path_and_gzip(tmp_path):
    path = tmp_path / "b.fa.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(">x\nACGU\n")
    assert read_fasta(str(path)) == [("x", "ACGU")]


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_read_fasta_empty_file(tmp_path, text):
    path = write(tmp_path, "empty.fa", text)
    with pytest.raises(ValueError, match=r"empty\.fa: empty file"):
        read_fasta(path)


def test_read_fasta_sequence_before_header(tmp_path):
    path = write(tmp_path, "nohead.fa", "\nACGT\n>x\nACGT\n")
    with pytest.raises(
        ValueError,
        match=r"nohead\.fa, line 2: sequence data before the first '>' header",
    ):
        read_fasta(path)


@pytest.mark.parametrize("header", [">", ">   ", ">\t"])
def test_read_fasta_empty_header(tmp_path, header):
    path = write(tmp_path, "h.fa", f">ok\nACGT\n{header}\nACGT\n")
    with pytest.raises(ValueError, match=r"h\.fa, line 3: empty FASTA header"):
        read_fasta(path)


@pytest.mark.parametrize(
    "line,char,pos",
    [
        ("ACGTX", "X", 4),
        ("AC GT", " ", 2),
        ("ACG>T", ">", 3),
        ("1ACG", "1", 0),
        ("ACé", "é", 2),
        ("AC-", "-", 2),
    ],
)
def test_read_fasta_invalid_character(tmp_path, line, char, pos):
    path = write(tmp_path, "bad.fa", f">x\nACGT\n\n{line}\n")
    with pytest.raises(
        ValueError,
        match=rf"bad\.fa, line 4: invalid character {char!r} at position {pos}",
    ):
        read_fasta(path)


def test_read_fasta_custom_alphabet(tmp_path):
    path = write(tmp_path, "p.fa", ">prot\nMKV-*\n")
    assert read_fasta(path, alphabet=None) == [("prot", "MKV-*")]
    with pytest.raises(
        ValueError, match="'-' at position 3"
    ):  # M, K, V are IUPAC codes; '-' is not
        read_fasta(path)
    with pytest.raises(ValueError, match=r"'\*' at position 4"):
        read_fasta(path, alphabet="mkv-")


def test_read_fasta_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_fasta(tmp_path / "nope.fa")


def test_write_fasta_wraps_lines(tmp_path):
    path = write_fasta([("a", "ACGTACGTAC"), ("b", "")], tmp_path / "w.fa", width=4)
    assert path.read_text() == ">a\nACGT\nACGT\nAC\n>b\n"
    write_fasta({"c": "ACGTACGTAC"}, tmp_path / "w1.fa", width=None)
    assert (tmp_path / "w1.fa").read_text() == ">c\nACGTACGTAC\n"


def test_write_fasta_gzip_round_trip(tmp_path):
    recs = [("r1", "ACGT" * 40), ("r2", "nnRY")]
    assert read_fasta(write_fasta(recs, tmp_path / "x.fa.gz")) == recs
    assert gzip.open(tmp_path / "x.fa.gz", "rt").readline() == ">r1\n"


@pytest.mark.parametrize("rid", ["", "two words", "tab\tid"])
def test_write_fasta_bad_ids(tmp_path, rid):
    with pytest.raises(ValueError, match="record 1: id"):
        write_fasta([("ok", "A"), (rid, "ACGT")], tmp_path / "bad.fa")


def test_write_fasta_bad_sequence_and_width(tmp_path):
    with pytest.raises(
        ValueError, match=r"record 0 \(a\): invalid character 'X' at position 2"
    ):
        write_fasta([("a", "ACXT")], tmp_path / "bad.fa")
    with pytest.raises(ValueError, match="width"):
        write_fasta([("a", "ACGT")], tmp_path / "bad.fa", width=0)


ids = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789_.|:-",
    min_size=1,
    max_size=12,
)
seqs = st.text(alphabet="ACGTNacgtnRYU", max_size=150)


@settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.tuples(ids, seqs), min_size=1, max_size=6),
    st.one_of(st.none(), st.integers(1, 80)),
)
def test_fasta_round_trip(tmp_path, records, width):
    path = write_fasta(records, tmp_path / "rt.fa", width=width)
    assert read_fasta(path, allow_empty=True, allow_duplicates=True) == records
    if all(seq for _, seq in records) and len({rid for rid, _ in records}) == len(
        records
    ):
        assert read_fasta(path) == records


def test_read_fasta_classic_mac_line_endings(tmp_path):
    """Issue 7 §5: a file with lone \\r line endings used to come back as one header
    line."""
    path = tmp_path / "mac.fa"
    path.write_bytes(b">a first\rACGT\rac\r\r>b\rGGNN\r")
    assert read_fasta(path) == [("a", "ACGTac"), ("b", "GGNN")]
    path.write_bytes(b">a\rACGT\rAXGT\r")
    with pytest.raises(
        ValueError, match=r"mac\.fa, line 3: invalid character 'X' at position 1"
    ):
        read_fasta(path)
    path.write_bytes(b">a\r\nAC\n>b\rGG\r\nTT\n")  # mixed endings in one file
    assert read_fasta(path) == [("a", "AC"), ("b", "GGTT")]


def test_read_fasta_empty_record_names_record_and_line(tmp_path):
    path = write(tmp_path, "e.fa", ">a\nACGT\n>b desc\n\n>c\nAC\n")
    with pytest.raises(
        ValueError, match=r"e\.fa, line 3: record 'b' has no sequence.*allow_empty=True"
    ):
        read_fasta(path)
    assert read_fasta(path, allow_empty=True)[1] == ("b", "")
    with pytest.raises(ValueError, match=r"line 3: record 'c' has no sequence"):
        read_fasta(write(tmp_path, "last.fa", ">a\nAC\n>c\n"))


def test_read_fasta_duplicate_ids_name_both_lines(tmp_path):
    path = write(tmp_path, "d.fa", ">x one\nAC\n>y\nGG\n>x two\nTT\n")
    with pytest.raises(
        ValueError,
        match=r"d\.fa, line 5: duplicate id 'x' \(first at line 1.*allow_duplicates",
    ):
        read_fasta(path)
    assert [rid for rid, _ in read_fasta(path, allow_duplicates=True)] == [
        "x",
        "y",
        "x",
    ]


def test_read_fasta_bad_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "u.fa"
    path.write_bytes(b">ok\nACGT\n>caf\xe9\nACGT\n")  # Latin-1 e-acute in a header
    with pytest.raises(
        ValueError,
        match=r"u\.fa, line 3: not valid UTF-8 \(byte b'\\xe9' at position 4\)",
    ):
        read_fasta(path)
    path.write_bytes(b">ok\nAC\xffGT\n")
    with pytest.raises(ValueError, match=r"u\.fa, line 2: not valid UTF-8"):
        read_fasta(path, alphabet=None)


def test_read_fasta_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "t.fa.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"".join(b">r%d\n%s\n" % (i, b"ACGT" * 30) for i in range(2000)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"t\.fa\.gz: truncated or corrupt gzip file"):
        read_fasta(path)
    path.write_bytes(b">not compressed\nACGT\n")
    with pytest.raises(ValueError, match=r"t\.fa\.gz: truncated or corrupt gzip file"):
        read_fasta(path)


# ---------------------------------------------------------------------------------- BED
def test_read_bed3_and_header_lines(tmp_path):
    text = "track name=x\n# comment\nbrowser position chr1\nchr1\t10\t20\nchr2\t0\t5\n"
    path = write(tmp_path, "a.bed", text)
    df = read_bed(path)
    assert list(df.columns) == ["chrom", "start", "end"]
    assert df["chrom"].tolist() == ["chr1", "chr2"] and df["start"].tolist() == [10, 0]
    assert df["start"].dtype == np.int64 and df["end"].dtype == np.int64


def test_read_bed6_with_numeric_score_and_strand(tmp_path):
    path = write(
        tmp_path, "b.bed", "chr1\t1\t5\tpeak one\t900\t+\nchrX\t3\t3\tp2\t0\t.\n"
    )
    df = read_bed(path)
    assert list(df.columns) == ["chrom", "start", "end", "name", "score", "strand"]
    assert df["name"].tolist() == ["peak one", "p2"]  # tabs: names may contain spaces
    assert df["score"].tolist() == [900, 0] and pd.api.types.is_numeric_dtype(
        df["score"]
    )


def test_read_bed_whitespace_separated_and_non_numeric_score(tmp_path):
    df = read_bed(write(tmp_path, "c.bed", "chr1 1 5 a .\nchr1 2 6 b 7\n"))
    assert df["score"].tolist() == [".", "7"]


def test_read_bed_empty_file_gives_empty_frame(tmp_path):
    df = read_bed(write(tmp_path, "e.bed", "# only a comment\n"))
    assert list(df.columns) == ["chrom", "start", "end"] and len(df) == 0


def test_read_bed_too_few_columns(tmp_path):
    with pytest.raises(
        ValueError, match=r"f\.bed, line 2: BED needs at least 3 columns.*found 2"
    ):
        read_bed(write(tmp_path, "f.bed", "chr1\t1\t2\nchr1\t5\n"))


def test_read_bed_inconsistent_columns(tmp_path):
    with pytest.raises(
        ValueError, match=r"g\.bed, line 3: 4 columns, but line 1 has 3"
    ):
        read_bed(write(tmp_path, "g.bed", "chr1\t1\t2\nchr1\t1\t2\nchr1\t1\t2\tx\n"))


@pytest.mark.parametrize(
    "start,end,col",
    [
        ("1.5", "3", "start"),
        ("a", "3", "start"),
        ("-1", "3", "start"),
        ("1", "1e3", "end"),
        ("1", "", "end"),
    ],
)
def test_read_bed_non_integer_coordinates(tmp_path, start, end, col):
    path = write(tmp_path, "h.bed", f"chr1\t1\t2\nchr1\t{start}\t{end}\n")
    with pytest.raises(
        ValueError, match=rf"h\.bed, line 2: {col} must be a non-negative integer"
    ):
        read_bed(path)


def test_read_bed_start_after_end(tmp_path):
    with pytest.raises(ValueError, match=r"i\.bed, line 3: start 9 > end 4"):
        read_bed(write(tmp_path, "i.bed", "# c\nchr1\t1\t2\nchr1\t9\t4\n"))


def test_read_bed_bad_strand(tmp_path):
    with pytest.raises(ValueError, match=r"j\.bed, line 2: strand .* got 'x'"):
        read_bed(write(tmp_path, "j.bed", "chr1\t1\t2\ta\t0\t+\nchr1\t1\t2\tb\t0\tx\n"))


@settings(
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["chr1", "chr2", "chrX"]),
            st.integers(0, 10**9),
            st.integers(0, 1000),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_read_bed_round_trip_with_pandas_writer(tmp_path, rows):
    frame = pd.DataFrame(
        [(c, s, s + w) for c, s, w in rows], columns=["chrom", "start", "end"]
    )
    path = tmp_path / "rt.bed"
    frame.to_csv(path, sep="\t", header=False, index=False)
    pd.testing.assert_frame_equal(read_bed(path), frame, check_dtype=False)
    assert read_bed(path)["end"].dtype == np.int64


def test_read_bed_integer_overflow_names_line(tmp_path):
    """Issue 7 §5: a 20-digit coordinate used to raise a raw OverflowError without the
    file name."""
    path = write(tmp_path, "o.bed", "chr1\t1\t2\nchr1\t5\t99999999999999999999\n")
    with pytest.raises(
        ValueError, match=r"o\.bed, line 2: end 99999999999999999999 is too large"
    ):
        read_bed(path)
    ok = write(
        tmp_path,
        "ok.bed",
        "chr1\t0\t999999999999999999\nchr1\t0\t000000000000000000001\n",
    )
    # leading zeros do not count
    assert read_bed(ok)["end"].tolist() == [
        999999999999999999,
        1,
    ]


def test_read_bed_bad_utf8_and_truncated_gzip(tmp_path):
    path = tmp_path / "u.bed"
    path.write_bytes(b"chr1\t1\t2\tok\nchr1\t1\t2\tn\xe9\n")
    with pytest.raises(ValueError, match=r"u\.bed, line 2: not valid UTF-8"):
        read_bed(path)
    gz = tmp_path / "t.bed.gz"
    with gzip.open(gz, "wb") as fh:
        fh.write(b"".join(b"chr1\t%d\t%d\n" % (i, i + 10) for i in range(20000)))
    gz.write_bytes(gz.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"t\.bed\.gz: truncated or corrupt gzip file"):
        read_bed(gz)


def test_read_bed_classic_mac_line_endings(tmp_path):
    path = tmp_path / "m.bed"
    path.write_bytes(b"chr1\t1\t2\rchr2\t3\t4\r")
    assert read_bed(path)["chrom"].tolist() == ["chr1", "chr2"]
