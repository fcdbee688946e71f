"""Proteins as data (gdl_utils.proteins), the chapter-11 loaders and models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdl_utils.models.protein import ResidueCNN, TerminiCNN, masked_cross_entropy
from gdl_utils.proteins import (
    PAD,
    PROTEIN_ALPHABET,
    collate_proteins,
    encode_labels,
    encode_protein,
    one_hot_protein,
    protein_loader,
    termini,
    unpad,
)


def random_chain(rng, n):
    return "".join(rng.choice(list(PROTEIN_ALPHABET[:20]), n))


# --- alphabet -----------------------------------------------------------------------


def test_encode_round_trip():
    seq = PROTEIN_ALPHABET
    codes = encode_protein(seq)
    assert codes.tolist() == list(range(21))
    assert "".join(PROTEIN_ALPHABET[c] for c in codes) == seq
    x = one_hot_protein(codes)
    assert x.shape == (21, 21) and (x.argmax(0) == codes).all() and x.sum() == 21


@pytest.mark.parametrize(
    "seq, pos, why",
    [
        ("MKVa", 3, "lower case"),
        ("MKV*", 3, "stop codon"),
        ("MUKV", 1, "rare residue"),
        ("MKOV", 2, "rare residue"),
        ("MK-V", 2, "alignment gap"),
        ("MK1V", 2, "not an amino-acid letter"),
        ("MKÄV", 2, "not ASCII"),
    ],
)
def test_bad_letters_name_chain_and_position(seq, pos, why):
    with pytest.raises(
        ValueError, match=rf"P12345: letter .* at position {pos} .*{why}"
    ):
        encode_protein(seq, "P12345")


def test_rare_as_x_and_empty_chain():
    assert encode_protein("MUOB", rare="x").tolist() == [10, 20, 20, 20]
    with pytest.raises(ValueError, match="1abc-A: empty chain"):
        encode_protein("", "1abc-A")
    with pytest.raises(ValueError, match="rare must be"):
        encode_protein("MK", rare="drop")


def test_labels_checked():
    assert encode_labels("HEC", 3).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="1abc-A: 2 labels for a chain of 3 residues"):
        encode_labels("HE", 3, "1abc-A")
    with pytest.raises(ValueError, match="label 'G' at position 1"):
        encode_labels("HGC", 3, "x")


# --- padding and masks --------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_padding_mask_round_trip(seed):
    rng = np.random.default_rng(seed)
    chains = [encode_protein(random_chain(rng, n)) for n in rng.integers(1, 40, 6)]
    labels = [rng.integers(0, 3, len(c)) for c in chains]
    masks = [rng.random(len(c)) < 0.8 for c in chains]
    batch = collate_proteins(list(zip(chains, labels, masks, strict=True)))
    assert batch.tokens.shape == batch.mask.shape == batch.labels.shape
    assert batch.tokens.shape[1] == max(len(c) for c in chains)
    tokens = unpad(batch.tokens, batch.tokens != PAD)
    for c, t in zip(chains, tokens, strict=True):
        assert t.tolist() == c.tolist()
    for lab, m, got in zip(labels, masks, unpad(batch.labels, batch.mask), strict=True):
        assert got.tolist() == lab[m].tolist()
    assert (batch.labels[~batch.mask] == -100).all()


def test_collate_refuses_wrong_lengths_and_crops():
    with pytest.raises(ValueError, match="item 1: 2 labels for a chain of 3"):
        collate_proteins([(np.arange(3), np.zeros(3)), (np.arange(3), np.zeros(2))])
    batch = collate_proteins([(np.arange(10), 4), (np.arange(3), 1)], max_len=5)
    assert batch.tokens.shape == (2, 5) and batch.labels.tolist() == [4, 1]
    assert batch.mask.sum(1).tolist() == [5, 3]


def test_termini_row():
    codes = np.arange(7)
    assert termini(codes, 3, 2).tolist() == [0, 1, 2, 5, 6]
    assert termini(codes[:2], 3, 3).tolist() == [0, 1, PAD, PAD, 0, 1]


# --- models -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_masked_loss_ignores_padding_and_unscored(seed):
    torch.manual_seed(seed)
    logits = torch.randn(2, 3, 9)
    labels = torch.randint(0, 3, (2, 9))
    mask = torch.rand(2, 9) < 0.6
    mask[0, 0] = True
    loss = masked_cross_entropy(logits, labels, mask)
    noisy_logits = logits.clone()
    noisy_logits[~mask.unsqueeze(1).expand_as(logits)] = 1e3 * torch.randn(
        int((~mask).sum()) * 3
    )
    noisy_labels = torch.where(mask, labels, torch.randint(-100, 3, labels.shape))
    assert torch.allclose(masked_cross_entropy(noisy_logits, noisy_labels, mask), loss)
    full = torch.nn.functional.cross_entropy(logits.transpose(1, 2)[mask], labels[mask])
    assert torch.allclose(loss, full)


@pytest.mark.parametrize(
    "kernel_size, dilations", [(5, (1, 2, 4, 8)), (3, (1, 1)), (7, (2, 3))]
)
def test_receptive_field_is_exact(kernel_size, dilations):
    torch.manual_seed(0)
    model = ResidueCNN(channels=8, kernel_size=kernel_size, dilations=dilations)
    model.eval()
    rf = model.receptive_field()
    assert rf == 1 + (kernel_size - 1) * (1 + sum(dilations))
    length, centre = 2 * rf + 11, rf + 5
    x = torch.tensor(encode_protein("A" * length))[None]
    base = model(x)[0, :, centre]
    reach = []
    for pos in range(length):
        y = x.clone()
        y[0, pos] = PROTEIN_ALPHABET.index("W")
        if not torch.allclose(model(y)[0, :, centre], base):
            reach.append(pos)
    assert reach[-1] - reach[0] + 1 == rf
    assert reach[0] == centre - rf // 2


@pytest.mark.parametrize("model_cls", [ResidueCNN, TerminiCNN])
def test_outputs_do_not_depend_on_padding(model_cls):
    torch.manual_seed(1)
    model = (
        ResidueCNN(channels=8) if model_cls is ResidueCNN else TerminiCNN(6, 6, (8, 8))
    ).eval()
    rng = np.random.default_rng(0)
    short = encode_protein(random_chain(rng, 12))
    long = encode_protein(random_chain(rng, 30))
    if model_cls is ResidueCNN:
        alone = model(torch.tensor(short)[None])
        batch = collate_proteins([(short, 0), (long, 0)])
        together = model(batch.tokens)[:1, :, :12]
    else:
        alone = model(torch.tensor(termini(short[:9], 6, 6))[None])
        together = model(
            torch.tensor(np.stack([termini(short[:9], 6, 6), termini(long, 6, 6)]))
        )[:1]
    assert torch.allclose(alone, together, atol=1e-5)


def test_training_step_and_loader():
    rng = np.random.default_rng(0)
    items = [
        (encode_protein(random_chain(rng, n)), rng.integers(0, 3, n))
        for n in (5, 9, 14)
    ]
    batch = next(iter(protein_loader(items, 3, max_len=10)))
    loss, logs = ResidueCNN(channels=4).training_step(batch)
    assert loss.ndim == 0 and 0 <= float(logs["acc"]) <= 1
    with pytest.raises(ValueError, match="tokens must be codes"):
        ResidueCNN(channels=4)(torch.tensor([[0, 21]]))


# --- loaders ------------------------------------------------------------------------


def flip_zip(tmp_path, seq="MKVL", ss="HHEC", mask="0111", header="SET=train"):
    import zipfile

    path = tmp_path / "splits.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("splits/sequences.fasta", f">1abc-A\n{seq}\n")
        z.writestr("splits/sampled.fasta", f">1abc-A {header} VALIDATION=True\n{ss}\n")
        z.writestr("splits/mask.fasta", f">1abc-A\n{mask}\n")
    return path


def test_load_flip_ss_reads_and_checks(tmp_path):
    from gdl_utils.datasets import load_flip_ss

    frame = load_flip_ss(flip_zip(tmp_path))
    row = frame.iloc[0]
    assert row["split"] == "validation" and row["labels"].tolist() == [0, 0, 1, 2]
    assert row["resolved"].tolist() == [False, True, True, True]
    with pytest.raises(ValueError, match="1abc-A: 3 labels for a chain of 4"):
        load_flip_ss(flip_zip(tmp_path, ss="HHE"))
    with pytest.raises(ValueError, match="1abc-A: letter '\\*' at position 3"):
        load_flip_ss(flip_zip(tmp_path, seq="MKV*"))
    with pytest.raises(ValueError, match="has no SET="):
        load_flip_ss(flip_zip(tmp_path, header="X=1"))


def test_parse_fasta_text_errors():
    from gdl_utils.datasets import parse_fasta_text

    assert parse_fasta_text(">a x\nMK\nVL\n>b\nW\n") == [("a x", "MKVL"), ("b", "W")]
    with pytest.raises(ValueError, match="line 1: sequence before any header"):
        parse_fasta_text("MK\n>a\nMK\n", "f.fasta")
    with pytest.raises(ValueError, match="record 'a' has no sequence"):
        parse_fasta_text(">a\n>b\nMK\n")
