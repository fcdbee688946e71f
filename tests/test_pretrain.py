"""gdl_utils.lm.pretrain: regions, windows, masking, dict batches and bits per base."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdl_utils.dna.strands import reverse_complement
from gdl_utils.lm.bits import causal_bits_per_base
from gdl_utils.lm.markov import MarkovModel
from gdl_utils.lm.pretrain import (
    GenomeWindows,
    causal_lm_batch,
    mask_tokens,
    region_mask,
    sample_windows,
)
from gdl_utils.lm.tokenizers import MASK_ID, KmerTokenizer, NucleotideTokenizer
from gdl_utils.models import CausalLM, MaskedLM, TransformerConfig, lm_step
from gdl_utils.runtime import seeded
from gdl_utils.training import fit


def test_windows_never_touch_excluded_regions(rng):
    tokens = np.arange(1000) % 4 + 4
    exclude = region_mask(1000, [(100, 200), (600, 650)])
    assert exclude.sum() == 150 and exclude[100] and not exclude[200]
    starts = []
    for seed in range(3):
        w = sample_windows(tokens, 500, 50, exclude=exclude, seed=seed)
        assert w.shape == (500, 50) and w.dtype == np.int64
        starts.append(w[:, 0])
    covered = np.zeros(1000, bool)
    w = sample_windows(np.arange(1000), 2000, 50, exclude=exclude, seed=1)
    covered[w.ravel()] = True
    assert not (covered & exclude).any() and covered[:100].all()
    np.testing.assert_array_equal(  # the same seed draws the same windows
        sample_windows(tokens, 5, 50, seed=3), sample_windows(tokens, 5, 50, seed=3)
    )
    with pytest.raises(ValueError, match=r"interval 1 \(990, 1001\)"):
        region_mask(1000, [(0, 1), (990, 1001)])
    with pytest.raises(ValueError, match="every window touches"):
        sample_windows(tokens, 5, 50, exclude=np.ones(1000, bool))


def test_causal_batch_shifts_labels():
    b = causal_lm_batch(np.array([[4, 5, 6, 7]]))
    assert b["input_ids"].tolist() == [[4, 5, 6, 7]]
    assert b["labels"].tolist() == [[5, 6, 7, -100]]


def test_bert_masking_proportions(rng):
    ids = rng.integers(4, 8, (200, 500))
    b = mask_tokens(ids, 0.15, vocab_size=8, seed=0)
    scored = b["labels"] != -100
    assert scored.float().mean().item() == pytest.approx(0.15, abs=0.005)
    assert torch.equal(b["labels"][scored], torch.as_tensor(ids)[scored])
    masked = b["input_ids"][scored] == MASK_ID
    same = b["input_ids"][scored] == torch.as_tensor(ids)[scored]
    assert masked.float().mean().item() == pytest.approx(0.8, abs=0.01)
    assert same.float().mean().item() == pytest.approx(0.1 + 0.1 / 4, abs=0.01)
    assert torch.equal(b["input_ids"][~scored], torch.as_tensor(ids)[~scored])
    simple = mask_tokens(ids, 0.15, vocab_size=8, bert=False, seed=0)
    assert (simple["input_ids"][simple["labels"] != -100] == MASK_ID).all()
    with pytest.raises(ValueError, match="DNA tokens"):
        mask_tokens(np.array([[1, 5]]), vocab_size=8)


def test_genome_windows_draw_fresh_windows_each_pass():
    tokens = np.random.default_rng(0).integers(4, 8, 5000)
    data = GenomeWindows(tokens, 40, 16, 16, seed=1)
    first, second = list(data), list(data)
    assert len(first) == len(data) == 3 and first[0]["input_ids"].shape == (16, 16)
    assert not torch.equal(first[0]["input_ids"], second[0]["input_ids"])
    mlm = GenomeWindows(tokens, 8, 16, 8, objective="mlm", vocab_size=8, seed=1)
    assert (next(iter(mlm))["input_ids"] == MASK_ID).any()
    with pytest.raises(ValueError, match="objective"):
        GenomeWindows(tokens, 8, 16, 8, objective="mask")


def test_causal_lm_learns_a_markov_chain_and_matches_its_bits(device):
    """Data from an order-2 Markov chain: the trained LM's held-out bits per base come
    close to the chain's own (the true model), far below 2 bits."""
    rng = np.random.default_rng(0)
    table = rng.dirichlet(np.full(4, 0.3), size=16)  # p(next | previous two)
    seq = [0, 1]
    for _ in range(30_000):
        seq.append(rng.choice(4, p=table[seq[-2] * 4 + seq[-1]]))
    tokens = np.asarray(seq) + 4
    train, test = tokens[:25_000], tokens[25_000:]
    with seeded(0):
        lm = CausalLM(
            TransformerConfig(8, 32, d_model=32, n_layers=1, causal=True, dropout=0.0)
        )
    data = GenomeWindows(train, 1024, 32, 32, seed=0)
    fit(lm, data, epochs=8, lr=1e-2, device=device, verbose=False)  # training_step
    bits = causal_bits_per_base(lm, test, window=32, device=device)
    truth = MarkovModel(2).fit(train - 4).bits_per_base(test - 4, start=16)
    order0 = MarkovModel(0).fit(train - 4).bits_per_base(test - 4, start=16)
    assert truth < 1.6 and order0 > 1.8
    print(bits, truth, order0)
    assert bits < truth + 0.08, (bits, truth)
    assert bits > truth - 0.05  # no model beats the true chain by much


def test_masked_lm_learns_from_mlm_windows(device):
    """BERT masking on a noisy repeat: a masked base is predictable from both sides."""
    rng = np.random.default_rng(1)
    seq = np.tile(rng.integers(0, 4, 5), 2000)
    noisy = rng.random(seq.size) < 0.1
    seq[noisy] = rng.integers(0, 4, noisy.sum())
    config = TransformerConfig(8, 16, d_model=32, n_layers=1, dropout=0.0)
    with seeded(0):
        lm = MaskedLM(config)
    data = GenomeWindows(seq + 4, 512, 16, 32, objective="mlm", vocab_size=8, seed=0)
    hist = fit(lm, data, epochs=6, lr=1e-2, device=device, verbose=False)
    frame = hist.to_frame()
    assert frame["train_loss"].iloc[-1] < 0.6 * frame["train_loss"].iloc[0], frame
    assert frame["train_acc"].iloc[-1] > 0.7  # chance 0.25 (0.9 + 0.1 / 4 at best)


def test_lm_step_ignores_unscored_positions():
    lm = CausalLM(TransformerConfig(8, 8, d_model=16, n_layers=1, causal=True)).eval()
    b = causal_lm_batch(np.full((2, 8), 5))
    loss, logs = lm_step(lm, b)
    logits = lm(b["input_ids"])[:, :-1]
    expected = torch.nn.functional.cross_entropy(
        logits.reshape(-1, 8), b["labels"][:, :-1].reshape(-1)
    )
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert 0 <= logs["acc"].item() <= 1


def test_kmer_windows_on_both_strands_are_genome_substrings():
    rng = np.random.default_rng(2)
    genome = "".join(rng.choice(list("ACGT"), 3000))
    tokens = NucleotideTokenizer().encode(genome)
    data = GenomeWindows(tokens, 200, 10, 50, k=3, both_strands=True, seed=0)
    batch = data.batch(0)
    kmers = KmerTokenizer(3)
    strands = []
    for row in batch["input_ids"].numpy():
        text = kmers.decode(row)
        assert len(text) == 30
        strands.append(text in genome)
        assert text in genome or reverse_complement(text) in genome
    assert 0.3 < np.mean(strands) < 0.7  # both strands are drawn
    # sequences() is the DNA of the same windows, as the model reads them
    assert data.sequences(0) == [kmers.decode(r) for r in batch["input_ids"].numpy()]


def test_window_sequences_avoid_the_excluded_regions():
    rng = np.random.default_rng(3)
    genome = "".join(rng.choice(list("ACGT"), 4000))
    held = genome[1000:1081]
    exclude = np.zeros(len(genome), bool)
    exclude[1000:1081] = True
    tokens = NucleotideTokenizer().encode(genome)
    for mask, expect_hit in ((None, True), (exclude, False)):
        data = GenomeWindows(tokens, 400, 100, 100, exclude=mask, both_strands=True)
        seqs = [s for e in range(3) for s in data.sequences(e)]
        hits = [held in s or reverse_complement(held) in s for s in seqs]
        assert any(hits) == expect_hit
    with pytest.raises(ValueError, match="not nucleotide ids"):
        GenomeWindows(tokens + 4, 8, 16, 8).sequences(0)


def test_bits_per_base_leaves_the_model_as_it_found_it():
    """Scoring switches dropout off for the pass and puts the mode and device back."""
    with seeded(0):
        lm = CausalLM(TransformerConfig(8, 16, d_model=16, n_layers=1, causal=True))
    lm.train()
    tokens = np.random.default_rng(0).integers(4, 8, size=200)
    first = causal_bits_per_base(lm, tokens, window=16, device="cpu")
    assert lm.training and next(lm.parameters()).device.type == "cpu"
    assert causal_bits_per_base(lm, tokens, window=16, device="cpu") == first  # eval


@pytest.mark.parametrize("both_strands,k", [(True, 1), (True, 3), (False, 3)])
def test_genome_windows_refuse_tokens_that_are_not_nucleotide_ids(both_strands, k):
    """Issue 24 §1: k-mer ids fed with both_strands=True came back as nonsense ids (the
    complement 11 - t is defined for nucleotide ids 4..7 only)."""
    genome = "".join(np.random.default_rng(3).choice(list("ACGT"), 600))
    kmer_ids = KmerTokenizer(3).encode(genome)  # ids 8..71
    with pytest.raises(
        ValueError,
        match=r"GenomeWindows: tokens must be nucleotide ids 4\.\.7 .*got id \d+ at"
        r" position 0",
    ):
        GenomeWindows(kmer_ids, 8, 4, 8, k=k, both_strands=both_strands)
    special = NucleotideTokenizer().encode(genome)
    special[100] = MASK_ID
    with pytest.raises(ValueError, match="got id 1 at position 100"):
        GenomeWindows(special, 8, 4, 8, k=k, both_strands=both_strands)
    with pytest.raises(ValueError, match="integer token ids"):
        GenomeWindows(special.astype(float), 8, 4, 8, k=k, both_strands=both_strands)
    # any ids are windows of tokens when they are read neither as bases nor reversed
    plain = GenomeWindows(kmer_ids, 8, 4, 8)
    assert set(plain.batch(0)["input_ids"].unique().tolist()) <= set(kmer_ids.tolist())
