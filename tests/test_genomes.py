"""gdl_utils.datasets.genomes: the E. coli genome, the promoter benchmark and locating
sequences on both strands."""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import MIRROR, needs_mirror

from gdl_utils.datasets.genomes import (
    ECOLI_LENGTH,
    load_ecoli_genome,
    load_ecoli_promoters,
    locate_in_genome,
    read_promoter_file,
)
from gdl_utils.dna.strands import reverse_complement


def test_locate_on_both_strands(rng):
    genome = "".join(rng.choice(list("ACGT"), 5000))
    fwd, rev = genome[100:181], reverse_complement(genome[3000:3081])
    absent = "".join(rng.choice(list("ACGT"), 81))
    twice = genome[4000:4040]
    genome2 = genome + twice  # occurs at 4000 and at the end
    loc = locate_in_genome([fwd, rev, absent, twice.lower()], genome2)
    assert loc["start"].tolist() == [100, 3000, -1, 4000]
    assert loc["strand"].tolist() == ["+", "-", "", "+"]
    assert loc["n_hits"].tolist() == [1, 1, 0, 2]
    assert loc["starts"].tolist() == [(100,), (3000,), (), (4000, 5000)]
    with pytest.raises(ValueError, match="sequence 0 has 10 bp < seed_len=32"):
        locate_in_genome(["ACGTACGTAC"], genome)
    with pytest.raises(ValueError, match="'N' at position 1"):
        locate_in_genome(["AN" + "A" * 40], genome)


def test_promoter_file_errors_name_file_and_line(tmp_path):
    good = "acgt" * 20 + "A"
    path = tmp_path / "p.txt"
    path.write_text(f">a_1\n{good[:50]}\n{good[50:]}\n>b_2\n{good[:80]}\n")
    with pytest.raises(ValueError, match=r"p.txt, line 4: record 1 \('b_2'\) has 80"):
        read_promoter_file(path, 1)
    path.write_text(f">a_1\n{good}\n>b_2\n{good[:40]}N{good[41:]}\n")
    with pytest.raises(ValueError, match=r"line 3: record 1 .* 'N' at position 40"):
        read_promoter_file(path, 1)
    path.write_text(f">x y\n{good}\n>x z\n{good}\r\n")
    df = read_promoter_file(path, 0)
    assert df["seq"].tolist() == [good.upper()] * 2 and (df["label"] == 0).all()
    with pytest.raises(ValueError, match="2 records, expected 3"):
        read_promoter_file(path, 0, expected=3)


@needs_mirror
def test_benchmark_occurs_in_the_genome(monkeypatch, tmp_path):
    monkeypatch.setenv("GDL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GDL_DATA_MIRROR", str(MIRROR))
    monkeypatch.setenv("GDL_OFFLINE", "1")
    genome = load_ecoli_genome()
    assert len(genome) == ECOLI_LENGTH and set(genome) == set("ACGT")
    df = load_ecoli_promoters()
    assert df.shape[0] == 5720 and df["label"].sum() == 2860
    assert (df["seq"].str.len() == 81).all()
    loc = locate_in_genome(df["seq"], genome)
    assert (loc["n_hits"] >= 1).all()  # every benchmark sequence is in the genome
    for (_, row), (_, hit) in zip(df.head(20).iterrows(), loc.head(20).iterrows()):
        piece = genome[hit.start : hit.start + 81]
        assert row.seq == (piece if hit.strand == "+" else reverse_complement(piece))
    assert np.mean(loc["strand"] == "-") > 0.3  # both strands occur


def test_repeated_elsewhere_marks_copies_on_either_strand(rng):
    from gdl_utils.datasets import repeated_elsewhere

    genome = "".join(rng.choice(list("ACGT"), 6000))
    copy = genome[4200:4240]  # 40 bp; its reverse complement is put into the region
    region = genome[:1000] + reverse_complement(copy) + genome[1040:2000]
    g = region + genome[2000:]
    mask = repeated_elsewhere(g, 0, 2000, k=20)
    assert mask.shape == (2000,)
    assert mask[1000:1040].all() and mask.sum() < 60  # the copy (and chance 20-mers)
    assert not repeated_elsewhere(genome, 0, 2000, k=20)[:1000].any()
    with pytest.raises(ValueError, match="k=40"):
        repeated_elsewhere(g, 0, 2000, k=40)
