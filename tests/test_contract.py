"""The training contract of chapters 4-7: four toy model families train through ``fit``.

Each toy has a batch that the plain ``(x, y)`` path cannot express, and each must learn
measurably in a few seconds on a CPU:

- CTC basecalling (chapter 4): ``(signal, targets, input_lengths, target_lengths)``
  batches, a tiny bidirectional GRU and ``nn.CTCLoss`` through ``step=``;
- a VAE (chapter 5): ``training_step`` on the model returns ``(recon + beta * KL,
  {"recon": ..., "kl": ...})`` and both parts are logged; ``predict_step`` gives the
  means;
- a GCN (chapter 6): one graph (dense normalised adjacency), train and validation node
  masks, accuracy logged;
- a masked language model (chapter 7): dict batches of token ids, loss only on masked
  positions.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gdl_utils.runtime import set_seed
from gdl_utils.training import fit, predict

# ------------------------------------------------------------------------------- CTC
LEVELS = np.array(
    [0.0, -1.5, -0.5, 0.5, 1.5]
)  # current level of bases 1..4 (0 = blank)


def ctc_batches(rng, n_batches, batch_size=16):
    """Squiggle-like signals: each base (no two equal neighbours) lasts 2-4 samples."""
    batches = []
    for _ in range(n_batches):
        reads, signals = [], []
        for _ in range(batch_size):
            bases = [int(rng.integers(1, 5))]
            while len(bases) < rng.integers(5, 9):
                bases.append(int((bases[-1] - 1 + rng.integers(1, 4)) % 4 + 1))
            signal = np.concatenate(
                [np.full(rng.integers(2, 5), LEVELS[b]) for b in bases]
            )
            reads.append(bases)
            signals.append(signal + 0.2 * rng.normal(size=len(signal)))
        lengths = [len(s) for s in signals]
        padded = np.zeros((batch_size, max(lengths), 1), dtype=np.float32)
        for i, s in enumerate(signals):
            padded[i, : len(s), 0] = s
        batches.append(
            (
                torch.as_tensor(padded),
                torch.as_tensor(np.concatenate(reads)),
                torch.as_tensor(lengths),
                torch.as_tensor([len(r) for r in reads]),
            )
        )
    return batches


class TinyBasecaller(nn.Module):
    """(batch, time, 1) signal -> (batch, time, 5) log-probabilities (blank + 4
    bases)."""

    def __init__(self, hidden=24):
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 5)

    def forward(self, signal):
        return self.out(self.gru(signal)[0]).log_softmax(-1)


def ctc_step(model, batch):
    signal, targets, input_lengths, target_lengths = batch
    log_probs = model(signal).float().transpose(0, 1)  # (time, batch, classes)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0)


def greedy_decode(log_probs, lengths):
    """Best path: arg-max per step, merge repeats, drop blanks."""
    reads = []
    for path, n in zip(log_probs.argmax(-1), lengths):
        path = path[:n].tolist()
        reads.append(
            [b for i, b in enumerate(path) if b and (i == 0 or b != path[i - 1])]
        )
    return reads


def test_ctc_basecaller_learns(device):
    rng = np.random.default_rng(0)
    train, val = ctc_batches(rng, 12), ctc_batches(rng, 2)
    set_seed(0)
    model = TinyBasecaller()
    hist = fit(
        model,
        train,
        val,
        step=ctc_step,
        epochs=15,
        lr=2e-2,
        device=device,
        seed=0,
        verbose=False,
    )
    df = hist.to_frame()
    assert df["val_loss"].iloc[-1] < 0.3 * df["val_loss"].iloc[0]
    with pytest.raises(ValueError, match="pad the batches"):  # lengths differ by batch
        predict(model, val)
    decoded, truth = [], []
    for b in val:  # (batch, time, 5) log-probabilities per batch
        decoded += greedy_decode(torch.as_tensor(predict(model, [b])), b[2])
        truth += [t.tolist() for t in torch.split(b[1], b[3].tolist())]
    exact = np.mean([d == t for d, t in zip(decoded, truth)])
    assert exact > 0.5, f"only {exact:.0%} of validation reads decoded exactly"


# ------------------------------------------------------------------------------- VAE
class TinyVAE(nn.Module):
    """10 features -> 2-d latent Gaussian -> 10 features; beta-weighted ELBO."""

    def __init__(self, n_features=10, latent=2, beta=0.5):
        super().__init__()
        self.beta = beta
        self.encoder = nn.Sequential(
            nn.Linear(n_features, 32), nn.ReLU(), nn.Linear(32, 2 * latent)
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, 32), nn.ReLU(), nn.Linear(32, n_features)
        )

    def forward(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu
        return self.decoder(z), mu, logvar

    def training_step(self, batch):
        x = batch[0]
        recon, mu, logvar = self(x)
        rec = F.mse_loss(recon, x, reduction="none").sum(1).mean()
        kl = (-0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1)).mean()
        return rec + self.beta * kl, {"recon": rec, "kl": kl}

    def predict_step(self, batch):
        return self(batch[0])[1]  # the latent means


def test_vae_logs_reconstruction_and_kl(device):
    rng = np.random.default_rng(1)
    latent = rng.normal(size=(600, 2))
    X = latent @ rng.normal(size=(2, 10)) + 0.1 * rng.normal(size=(600, 10))
    X = torch.as_tensor(X, dtype=torch.float32)
    loaders = [
        [(X[i : i + 50],) for i in range(a, b, 50)] for a, b in ((0, 500), (500, 600))
    ]
    set_seed(1)
    model = TinyVAE()
    hist = fit(
        model, *loaders, epochs=30, lr=1e-2, device=device, seed=1, verbose=False
    )
    df = hist.to_frame()
    for col in ("train_recon", "train_kl", "val_recon", "val_kl"):
        assert col in df and df[col].notna().all(), col
    np.testing.assert_allclose(
        df["train_loss"], df["train_recon"] + 0.5 * df["train_kl"], rtol=1e-5
    )
    assert df["val_recon"].iloc[-1] < 0.2 * df["val_recon"].iloc[0]
    assert (df["val_kl"] > 0).all()
    mu = predict(model, loaders[1])
    assert mu.shape == (100, 2)
    # the 2-d latent means carry the structure: a linear map recovers the true latent
    coef, *_ = np.linalg.lstsq(np.c_[mu, np.ones(100)], latent[500:], rcond=None)
    fitted = np.c_[mu, np.ones(100)] @ coef
    r2 = (
        1
        - ((fitted - latent[500:]) ** 2).sum()
        / ((latent[500:] - latent[500:].mean(0)) ** 2).sum()
    )
    assert r2 > 0.9


# ------------------------------------------------------------------------------- GNN
def two_communities(rng, n=120, p_in=0.15, p_out=0.01):
    """A stochastic block model: node labels are communities, features barely
    informative."""
    y = np.repeat([0, 1], n // 2)
    p = np.where(y[:, None] == y[None, :], p_in, p_out)
    a = np.triu(rng.random((n, n)) < p, 1)
    a = (a | a.T).astype(np.float32) + np.eye(n, dtype=np.float32)  # self loops
    d = 1 / np.sqrt(a.sum(1))
    adj = d[:, None] * a * d[None, :]  # D^-1/2 (A + I) D^-1/2
    x = rng.normal(size=(n, 8)).astype(np.float32)
    x[:, 0] += 0.3 * (2 * y - 1)  # weak signal in one feature
    return torch.as_tensor(x), torch.as_tensor(adj), torch.as_tensor(y)


class TinyGCN(nn.Module):
    """Two graph convolutions H' = relu(Â H W) on a dense normalised adjacency Â."""

    def __init__(self, n_features=8, hidden=16, n_outputs=2):
        super().__init__()
        self.w1, self.w2 = nn.Linear(n_features, hidden), nn.Linear(hidden, n_outputs)

    def forward(self, x, adj):
        return adj @ self.w2(torch.relu(adj @ self.w1(x)))


def gcn_step(model, batch):
    x, adj, y, mask = batch
    logits = model(x, adj)[mask]
    acc = (logits.argmax(1) == y[mask]).float().mean()
    return F.cross_entropy(logits, y[mask]), {"acc": acc}


def test_gcn_on_one_graph_with_node_masks(device):
    rng = np.random.default_rng(2)
    x, adj, y = two_communities(rng)
    order = torch.as_tensor(rng.permutation(len(y)))
    train_mask = torch.zeros(len(y), dtype=torch.bool)
    train_mask[order[:20]] = True  # 20 labelled nodes
    val_mask = ~train_mask
    accuracy = {}
    for name, a in (("graph", adj), ("no edges", torch.eye(len(y)))):
        set_seed(2)
        hist = fit(
            TinyGCN(),
            [(x, a, y, train_mask)],
            [(x, a, y, val_mask)],
            step=gcn_step,
            epochs=60,
            lr=2e-2,
            device=device,
            seed=2,
            verbose=False,
        )
        df = hist.to_frame()
        assert {"train_acc", "val_acc"} <= set(df.columns)
        assert df["train_loss"].iloc[-1] < 0.5 * df["train_loss"].iloc[0]
        accuracy[name] = df["val_acc"].iloc[-1]
    assert accuracy["graph"] > 0.85, accuracy  # chance is 0.5
    assert accuracy["no edges"] < 0.75, accuracy  # the edges carry the labels


# ------------------------------------------------------------------------ masked LM
MASK, VOCAB = 4, 5  # tokens 0..3 = A, C, G, T; 4 = [MASK]


def mlm_batches(rng, n_batches, batch_size=32, length=24, rate=0.2):
    """Periodic sequences (a random 3-mer repeated): a masked base is readable from its
    neighbours three positions away. Labels are -100 (ignored) except at masked
    places."""
    batches = []
    for _ in range(n_batches):
        period = rng.integers(0, 4, size=(batch_size, 3))
        ids = np.tile(period, length // 3)
        masked = rng.random(ids.shape) < rate
        labels = np.where(masked, ids, -100)
        batches.append(
            {
                "input_ids": torch.as_tensor(np.where(masked, MASK, ids)),
                "labels": torch.as_tensor(labels),
            }
        )
    return batches


class TinyMaskedLM(nn.Module):
    """Token embedding + position embedding -> one transformer layer -> base logits."""

    def __init__(self, d=32, length=24):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(VOCAB, d), nn.Embedding(length, d)
        layer = nn.TransformerEncoderLayer(
            d, nhead=2, dim_feedforward=64, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(
            layer, num_layers=1, enable_nested_tensor=False
        )
        self.head = nn.Linear(d, 4)

    def forward(self, ids):
        pos = torch.arange(ids.shape[1], device=ids.device)
        return self.head(self.encoder(self.tokens(ids) + self.positions(pos)))


def mlm_step(model, batch):
    logits = model(batch["input_ids"])  # (batch, length, 4)
    labels = batch["labels"]
    loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=-100)
    masked = labels != -100
    acc = (logits.argmax(-1)[masked] == labels[masked]).float().mean()
    return loss, {"acc": acc}


def test_masked_lm_learns_from_masked_positions_only(device):
    rng = np.random.default_rng(3)
    train, val = mlm_batches(rng, 10), mlm_batches(rng, 2)
    set_seed(3)
    model = TinyMaskedLM()
    batch = val[0]
    with torch.no_grad():  # the loss ignores every unmasked position
        other = {**batch, "labels": batch["labels"].clone()}
        other["labels"][batch["labels"] == -100] = -100
        assert mlm_step(model, batch)[0] == mlm_step(model, other)[0]
    hist = fit(
        model,
        train,
        val,
        step=mlm_step,
        epochs=12,
        lr=3e-3,
        device=device,
        seed=3,
        verbose=False,
    )
    df = hist.to_frame()
    assert df["val_acc"].iloc[-1] > 0.8, df["val_acc"].iloc[-1]  # chance 0.25
    assert df["val_loss"].iloc[-1] < 0.5 * df["val_loss"].iloc[0]


# ---------------------------------------------------------------- contract edge cases
def test_step_contract_errors():
    batches = [(torch.ones(4, 3), torch.zeros(4))]
    model = nn.Linear(3, 1)
    with pytest.raises(
        TypeError, match="scalar loss or \\(loss, logs\\).*shape \\(4, 1\\)"
    ):
        fit(model, batches, step=lambda m, b: m(b[0]), epochs=1, device="cpu")
    with pytest.raises(TypeError, match="got str"):
        fit(model, batches, step=lambda m, b: "loss", epochs=1, device="cpu")
    with pytest.raises(ValueError, match="non-scalar values for \\['out'\\]"):
        fit(
            model,
            batches,
            step=lambda m, b: (m(b[0]).mean(), {"out": m(b[0])}),
            epochs=1,
            device="cpu",
            verbose=False,
        )
    with pytest.raises(ValueError, match="metric needs the \\(x, y\\) path"):
        fit(model, batches, step=lambda m, b: m(b[0]).mean(), metric=lambda a, b: 0.0)
    gen = ((torch.ones(2, 3),) for _ in range(2))
    with pytest.raises(ValueError, match="yielded no batches.*generator"):
        fit(
            model,
            gen,
            step=lambda m, b: m(b[0]).mean(),
            epochs=2,
            device="cpu",
            verbose=False,
        )


class Hooked(nn.Module):
    """training_step and validation_step of its own; records which one ran."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.calls = []

    def training_step(self, batch):
        self.calls.append(("train", self.training, torch.is_grad_enabled()))
        return self.linear(batch[0]).pow(2).mean()

    def validation_step(self, batch):
        self.calls.append(("val", self.training, torch.is_grad_enabled()))
        return self.linear(batch[0]).pow(2).mean(), {"size": float(len(batch[0]))}


def test_model_hooks_and_explicit_step_precedence():
    batches = [(torch.ones(4, 3),), (torch.ones(2, 3),)]
    model = Hooked()
    hist = fit(model, batches, batches, epochs=2, lr=0.1, device="cpu", verbose=False)
    assert set(model.calls) == {("train", True, True), ("val", False, False)}
    df = hist.to_frame()
    assert "val_size" in df and "train_size" not in df
    assert (
        df["val_size"].tolist() == [pytest.approx((4 * 4 + 2 * 2) / 6)] * 2
    )  # row-weighted
    assert df["train_loss"].iloc[1] < df["train_loss"].iloc[0]
    model.calls.clear()
    fit(
        model,
        batches,
        epochs=1,
        step=lambda m, b: m.linear(b[0]).sum() * 0,
        device="cpu",
        verbose=False,
    )
    assert model.calls == []  # an explicit step wins over both hooks


# --------------------------------------------------- issue 24: losses that cannot train
class FrozenStep(nn.Module):
    """A training_step that returns a loss cut from the graph."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)

    def training_step(self, batch):
        return self.linear(batch[0]).mean().detach()


def detached_step(model, batch):
    return model(batch[0]).mean().detach()


def test_a_detached_or_integer_loss_names_the_step():
    batches = [(torch.ones(4, 3), torch.zeros(4)), (torch.ones(2, 3), torch.zeros(2))]
    kw = dict(epochs=1, device="cpu", verbose=False)
    with pytest.raises(
        TypeError,
        match=r"step=detached_step returned a loss that does not require grad"
        r".*train batch 0 of epoch 1",
    ):
        fit(nn.Linear(3, 1), batches, step=detached_step, **kw)
    with pytest.raises(TypeError, match=r"FrozenStep.training_step returned a loss"):
        fit(FrozenStep(), batches, **kw)
    with pytest.raises(
        TypeError, match=r"step=.*lambda.* returned an integer loss \(torch.int64\)"
    ):
        fit(nn.Linear(3, 1), batches, step=lambda m, b: torch.tensor(3), **kw)
    with pytest.raises(TypeError, match=r"returned an integer loss.*val batch 0"):
        fit(  # a validation step needs no gradient, but an integer mean is wrong too
            nn.Linear(3, 1),
            batches,
            batches,
            step=lambda m, b: m(b[0]).mean() if m.training else torch.tensor(1),
            **kw,
        )


@pytest.mark.parametrize("loss_fn", [nn.CrossEntropyLoss(), nn.NLLLoss()])
@pytest.mark.parametrize("bad", [3, -2])
def test_cross_entropy_target_out_of_range_names_the_batch(loss_fn, bad, device):
    """A class index >= n_outputs used to raise torch's raw 'Target 3 is out of bounds'
    (a device-side assert on CUDA: the targets are now read on the CPU first)."""
    X = torch.randn(8, 3)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, bad])
    batches = [(X[:4], y[:4]), (X[4:], y[4:])]
    kw = dict(loss_fn=loss_fn, epochs=1, device=device, verbose=False)
    where = r"train batch 1 of epoch 1: .*target " + str(bad)
    with pytest.raises(ValueError, match=where + r".*3 classes.*\[0, 2\]"):
        fit(nn.Linear(3, 3), batches, **kw)
    with pytest.raises(ValueError, match=r"train batch 0 of epoch 1: .*3 classes"):
        fit(nn.Linear(3, 3), (X.numpy(), y.numpy()), batch_size=8, **kw)
    ignored = [(X, torch.tensor([0, 1, 2, -100, 1, 2, 0, 1]))]  # ignore_index is fine
    fit(nn.Linear(3, 3), ignored, ignored, **kw)
