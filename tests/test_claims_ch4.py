"""Chapter 4's key asserts fail for broken models (issue 19), at tiny sizes.

Each notebook of chapter 4 asserts its claims; these tests keep, in seconds, the proof
that those asserts can fail. The broken variants:

- 04a (order task): an *untrained* BiGRU and a BiGRU trained on *shuffled labels*
  neither reach the notebook's AUROC target nor move their score towards the other
  class when the two sites of a sequence are swapped (``swap_order``), while the
  true-matrix rule does; a position-blind score (the best match to one matrix) never
  moves.
- 04b (PUM2): a CNN trained on *shuffled labels* (and an untrained one) stays below the
  4-mer baseline's PR-AUC, and the filter check (similarity to TGTAnATA >= 0.8 and
  above the same model's untrained filters) fails for both.
- 04c (basecalling): an *untrained* basecaller and a reader of *random* bases with the
  reference's composition (the chance level, ~0.5 identity) both fail the notebook's
  targets (median identity >= 0.65 and >= chance + 0.1).
"""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import MIRRORS, needs_mirror
from torch import nn

from gdl_utils.dna.sequence import one_hot
from gdl_utils.dna.strands import reverse_complement
from gdl_utils.evaluate.classification import pr_auc, roc_auc
from gdl_utils.models.cnn import DeepBind
from gdl_utils.models.rnn import RecurrentClassifier
from gdl_utils.motifs.jaspar import Motif
from gdl_utils.motifs.pwm import best_match
from gdl_utils.runtime import set_seed
from gdl_utils.simulate.order import pair_gaps, simulate_order, swap_order
from gdl_utils.training import fit, predict

# ----------------------------------------------------------------- 04a: order task


def _motif(consensus: str, name: str) -> Motif:
    counts = np.full((4, len(consensus)), 1.0)
    for j, b in enumerate(consensus):
        counts["ACGT".index(b), j] = 97.0
    return Motif(name, name, counts)


A, B = _motif("GGGGCGGGG", "A"), _motif("ACCGGAAGT", "B")
GC = 0.41


def _order_data(n=600, seed=0):
    return simulate_order(n, 72, A, B, gap=(12, 36), flank=6, gc=GC, seed=seed)


def _rule(x):
    """The notebook's true-matrix rule: > 0 when B lies downstream of A."""
    _, pos_a, strand_a = best_match(x, A.log_odds(background=GC))
    _, pos_b, _ = best_match(x, B.log_odds(background=GC))
    return strand_a * (pos_b - pos_a)


def _moved_rate(score, x, x_swapped, labels):
    """The notebook's swap check: how often the score moves towards the other class."""
    towards = np.where(labels == 1, -1, 1)
    return float(np.mean(towards * (score(x_swapped) - score(x)) > 0))


def test_swap_order_exchanges_the_sites_and_flips_every_label():
    data = _order_data(200, seed=4)
    swapped = swap_order(data)
    assert np.array_equal(swapped.labels, 1 - data.labels)
    assert np.array_equal(pair_gaps(swapped), pair_gaps(data))
    for seq, new in zip(data.sequences, swapped.sequences):
        assert len(new) == len(seq) and sorted(new) == sorted(seq)
    old = data.sites.set_index(["seq_index", "motif"])
    for row in swapped.sites.itertuples():
        before = old.loc[(row.seq_index, row.motif)]
        # the same sampled instance, on the same strand, at the other site's place
        assert (
            swapped.sequences[row.seq_index][row.start : row.end]
            == data.sequences[row.seq_index][before.start : before.end]
        )
        assert row.strand == before.strand and row.start != before.start
    # the span and the flanks stay where they were
    lo = data.sites.groupby("seq_index")["start"].min()
    hi = data.sites.groupby("seq_index")["end"].max()
    for i, seq in enumerate(data.sequences):
        assert swapped.sequences[i][: lo[i]] == seq[: lo[i]]
        assert swapped.sequences[i][hi[i] :] == seq[hi[i] :]
    twice = swap_order(swapped)
    assert twice.sequences == data.sequences
    assert np.array_equal(twice.labels, data.labels)


def test_swap_order_refuses_other_data():
    data = _order_data(20)
    with pytest.raises(ValueError, match="two sites"):
        swap_order(type(data)(data.sequences, data.labels, data.sites.iloc[1:]))


def test_order_checks_pass_for_the_rule_and_fail_for_position_blind_scores():
    data = _order_data()
    x, x_sw = data.one_hot(), swap_order(data).one_hot()
    assert roc_auc(data.labels, _rule(x)) > 0.97
    assert _moved_rate(_rule, x, x_sw, data.labels) >= 0.95
    # the best match to one matrix anywhere: blind to order, its score does not move
    score_a = lambda v: best_match(v, A.log_odds(background=GC))[0]  # noqa: E731
    assert _moved_rate(score_a, x, x_sw, data.labels) < 0.05
    assert abs(roc_auc(data.labels, score_a(x)) - 0.5) < 0.1


def _bigru(data, *, shuffle_labels: bool, epochs: int, seed: int = 0):
    set_seed(seed)
    net = RecurrentClassifier(hidden=8, cell="gru")
    if epochs:
        labels = data.labels.copy()
        if shuffle_labels:
            labels = np.random.default_rng(seed).permutation(labels)
        fit(
            net,
            (data.one_hot(), labels),
            loss_fn=nn.BCEWithLogitsLoss(),
            epochs=epochs,
            lr=1e-2,
            batch_size=64,
            seed=seed,
            device="cpu",
            verbose=False,
        )
    return lambda v: predict(net, v)[:, 0]


@pytest.mark.parametrize(
    ("shuffle_labels", "epochs"), [(False, 0), (True, 3)], ids=["untrained", "shuffled"]
)
def test_order_asserts_fail_for_a_broken_bigru(shuffle_labels, epochs):
    train, test = _order_data(600, seed=1), _order_data(300, seed=2)
    score = _bigru(train, shuffle_labels=shuffle_labels, epochs=epochs)
    x, x_sw = test.one_hot(), swap_order(test).one_hot()
    assert roc_auc(test.labels, score(x)) < 0.95  # the notebook's AUROC target
    assert _moved_rate(score, x, x_sw, test.labels) < 0.9  # the notebook's swap target


# ------------------------------------------------------------------- 04b: PUM2


@pytest.fixture(scope="module")
def pum2():
    """3,000 training and 2,000 test windows of the PUM2 split (sequences, labels)."""
    from gdl_utils.datasets.fetching import dataset_path
    from gdl_utils.datasets.rbp import parse_pum2

    frames = {
        s: parse_pum2(dataset_path("pum2_eclip", f"PUM2_{s}.csv", mirror=MIRRORS))
        for s in ("train", "test")
    }
    rng = np.random.default_rng(0)
    out = {}
    for split, n in (("train", 3000), ("test", 2000)):
        df = frames[split].iloc[rng.choice(len(frames[split]), n, replace=False)]
        out[split] = (df["seq"].tolist(), df["label"].to_numpy(copy=True))
    return out


def _kmer_prauc(pum2):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from gdl_utils.dna.kmers import kmer_counts

    (s_tr, y_tr), (s_te, y_te) = pum2["train"], pum2["test"]
    scaler = StandardScaler().fit(kmer_counts(s_tr, 4))
    lr = LogisticRegression(C=0.01, max_iter=2000)
    lr.fit(scaler.transform(kmer_counts(s_tr, 4)), y_tr)
    return pr_auc(y_te, lr.decision_function(scaler.transform(kmer_counts(s_te, 4))))


def _best_filter_similarity(net, x_pos):
    from gdl_utils.interpret.filters import filter_pwms
    from gdl_utils.motifs.match import motif_similarity

    consensus = np.full((4, 8), 0.25)
    for j, base in enumerate("TGTA.ATA"):
        if base != ".":
            consensus[:, j] = 0.01
            consensus["ACGT".index(base), j] = 0.97
    ppms, _ = filter_pwms(net, x_pos, threshold=0.5)
    return max(motif_similarity(p, consensus)[0] for p in ppms)


@needs_mirror
@pytest.mark.parametrize("variant", ["untrained", "shuffled"])
def test_pum2_asserts_fail_for_a_broken_cnn(pum2, variant):
    (s_tr, y_tr), (s_te, y_te) = pum2["train"], pum2["test"]
    x_tr, x_te = one_hot(s_tr), one_hot(s_te)
    set_seed(0)
    net = DeepBind(n_filters=32, kernel_size=11, hidden=32)
    set_seed(0)
    init = DeepBind(n_filters=32, kernel_size=11, hidden=32)  # the notebook's control
    if variant == "shuffled":
        y_bad = np.random.default_rng(0).permutation(y_tr)
        fit(net, (x_tr, y_bad), loss_fn=nn.BCEWithLogitsLoss(), epochs=2, lr=3e-3,
            batch_size=256, seed=0, device="cpu", verbose=False)  # fmt: skip
    prauc = pr_auc(y_te, predict(net, x_te)[:, 0])
    assert prauc < _kmer_prauc(pum2)  # the notebook: every CNN seed above the 4-mers
    # the notebook's filter check: similarity >= 0.8 and above the untrained control
    sim = _best_filter_similarity(net, x_te[y_te == 1])
    sim_init = _best_filter_similarity(init, x_te[y_te == 1])
    assert not (sim >= 0.8 and sim > sim_init)


# ---------------------------------------------------------------- 04c: basecalling


@pytest.fixture(scope="module")
def lambda_test_chunks():
    from gdl_utils.basecalling import chunk_reads, region_split
    from gdl_utils.datasets.nanopore import load_nanopore_reads

    reads = load_nanopore_reads(mirror=MIRRORS)
    chunks, _ = chunk_reads(reads, 1_000)
    _, _, test = region_split(
        chunks, test_start=38_800, train_end=38_780, val=(34_000, 36_000)
    )
    return test


def _chance(sequences, seed=0):
    from gdl_utils.basecalling import ctc

    rng = np.random.default_rng(seed)
    shuffled = ["".join(rng.permutation(list(s))) for s in sequences]
    return float(np.median(ctc.identities(shuffled, sequences)))


def test_identity_chance_level_is_about_one_half():
    from gdl_utils.basecalling import ctc

    rng = np.random.default_rng(1)
    refs = ["".join(rng.choice(list("ACGT"), 100)) for _ in range(200)]
    assert 0.45 < _chance(refs) < 0.58
    assert float(np.median(ctc.identities(refs, refs))) == 1.0


@needs_mirror
def test_basecalling_asserts_fail_for_an_untrained_model_and_random_reads(
    lambda_test_chunks,
):
    from gdl_utils.basecalling import ctc, ctc_batches
    from gdl_utils.models.basecaller import Basecaller

    test = lambda_test_chunks
    chance = _chance(test.sequences)
    assert 0.45 < chance < 0.6
    set_seed(0)
    untrained = Basecaller(hidden=64)
    log_probs = predict(untrained, ctc_batches(test, 128))
    greedy = [ctc.greedy_decode(x) for x in log_probs]
    median = float(np.median(ctc.identities(greedy, test.sequences)))
    assert median < 0.65 and median < chance + 0.1
    # a reader of random bases with the right length and composition sits at chance
    rng = np.random.default_rng(2)
    random_reads = ["".join(rng.permutation(list(s))) for s in test.sequences]
    median = float(np.median(ctc.identities(random_reads, test.sequences)))
    assert median < 0.65 and median < chance + 0.1


def test_reverse_complement_keeps_the_order_label():
    # the label is read along the motifs' strand: the rule agrees on both strands
    data = _order_data(200, seed=5)
    rc = one_hot([reverse_complement(s) for s in data.sequences])
    assert np.array_equal(np.sign(_rule(rc)), np.sign(_rule(data.one_hot())))
