"""The Bonito-like basecaller: shapes, CTC loss on every device, learning a toy."""

from __future__ import annotations

from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pytest
import torch

from gdl_utils.basecalling import CTCBatch, ctc
from gdl_utils.models import MODELS, build_model, count_parameters, model_config
from gdl_utils.models.basecaller import Basecaller
from gdl_utils.runtime import autocast, resolve_precision, set_seed
from gdl_utils.training import fit, predict

LEVELS = np.array([0.0, -1.5, -0.5, 0.5, 1.5])  # current of A, C, G, T (index 1..4)


def toy_batches(rng, n_batches, batch_size=16, n_samples=120):
    """Squiggles: bases (no two equal neighbours) of 6-10 samples at a level each."""
    batches = []
    for _ in range(n_batches):
        signal = np.zeros((batch_size, 1, n_samples), np.float32)
        labels = []
        for i in range(batch_size):
            bases, pos = [], 0
            while True:
                b = int(rng.integers(1, 5))
                while bases and b == bases[-1]:
                    b = int(rng.integers(1, 5))
                width = int(rng.integers(6, 11))
                if pos + width > n_samples:
                    break
                signal[i, 0, pos : pos + width] = LEVELS[b]
                bases.append(b)
                pos += width
            signal[i, 0, pos:] = LEVELS[bases[-1]]
            labels.append(bases)
        signal += 0.2 * rng.normal(size=signal.shape).astype(np.float32)
        lengths = torch.tensor([len(x) for x in labels])
        targets = torch.zeros(batch_size, int(lengths.max()), dtype=torch.int64)
        for i, x in enumerate(labels):
            targets[i, : len(x)] = torch.tensor(x)
        n = torch.full((batch_size,), n_samples, dtype=torch.int64)
        batches.append((torch.as_tensor(signal), targets, n, lengths))
    return batches


def small():
    return Basecaller(
        conv_channels=(4, 16), kernel_sizes=(5, 9), strides=(1, 3), hidden=24
    )


def test_shapes_lengths_and_registry():
    model = Basecaller()
    assert 60_000 < count_parameters(model) < 80_000  # the recipe's ~70k
    out = model(torch.randn(3, 1, 1000))
    assert out.shape == (3, 200, 5)
    assert model.output_lengths(torch.tensor([1000, 999])).tolist() == [200, 200]
    assert (
        small().output_lengths(torch.tensor([120])).item()
        == small()(torch.randn(1, 1, 120)).shape[1]
    )
    assert MODELS["Basecaller"] is Basecaller
    rebuilt = build_model(model_config(small()))
    assert count_parameters(rebuilt) == count_parameters(small())
    assert rebuilt.output_lengths(torch.tensor([120])).item() == 40  # stride 3
    with pytest.raises(ValueError, match=r"\(batch, 1, n_samples\), got \(3, 1000\)"):
        model(torch.randn(3, 1000))
    with pytest.raises(ValueError, match="one entry per layer"):
        Basecaller(conv_channels=(4, 16), kernel_sizes=(5,), strides=(1, 5))


def test_ctc_loss_and_gradients_are_finite_on_every_device(device):
    set_seed(0)
    model = small().to(device)
    batch = [t.to(device) for t in toy_batches(np.random.default_rng(0), 1)[0]]
    precision = resolve_precision(device)
    with autocast(device, precision):
        log_probs = model.log_probs(batch[0])
        loss = model.training_step(batch)
    assert log_probs.dtype == torch.float32  # also under bf16 / fp16 autocast
    assert loss.dtype == torch.float32 and torch.isfinite(loss) and loss > 0
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(g.abs().sum() for g in grads) > 0
    # int32 lengths and targets (as some pipelines give) work the same
    as32 = [batch[0]] + [t.int() for t in batch[1:]]
    with autocast(device, precision):
        assert torch.isclose(model.training_step(as32), loss.detach(), rtol=1e-3)


def test_a_small_basecaller_learns_a_toy(device):
    rng = np.random.default_rng(1)
    train, val = toy_batches(rng, 12), toy_batches(rng, 2)
    set_seed(1)
    model = small()
    hist = fit(model, train, val, epochs=15, lr=1e-2, optimizer="adam",
               device=device, seed=1, verbose=False)  # fmt: skip
    df = hist.to_frame()
    assert df["val_loss"].iloc[-1] < 0.2 * df["val_loss"].iloc[0]
    log_probs = predict(model, val)  # (32, steps, 5), every batch the same length
    truth = ["".join(ctc.LABELS[k] for k in t[:n]) for b in val
             for t, n in zip(b[1].tolist(), b[3].tolist())]  # fmt: skip
    greedy = [ctc.greedy_decode(x) for x in log_probs]
    ids = ctc.identities(greedy, truth)
    assert np.median(ids) > 0.9, f"median identity {np.median(ids):.2f}"


class Reordered(NamedTuple):
    """The CTC fields in another order: only reading by name gives the right loss."""

    target_lengths: torch.Tensor
    signal: torch.Tensor
    input_lengths: torch.Tensor
    targets: torch.Tensor


def test_steps_read_a_ctc_batch_by_name():
    set_seed(0)
    model = small().eval()
    plain = toy_batches(np.random.default_rng(2), 1)[0]
    named = CTCBatch(*plain)
    loss = model.training_step(plain)
    assert torch.equal(model.training_step(named), loss)
    fields = {name: getattr(named, name) for name in CTCBatch._fields}
    assert torch.equal(model.training_step(Reordered(**fields)), loss)
    assert torch.equal(model.training_step(SimpleNamespace(**fields)), loss)
    with pytest.raises(TypeError, match="needs the fields"):
        model.training_step(plain[:3])
    with torch.no_grad():
        expected = model.log_probs(named.signal)
        for batch in (named, plain, named.signal, Reordered(**fields)):
            assert torch.equal(model.predict_step(batch), expected)


def test_fit_and_predict_keep_ctc_batches_named(device):
    """CTCBatch through fit (to_device keeps the type) and predict."""
    rng = np.random.default_rng(3)
    batches = [CTCBatch(*b) for b in toy_batches(rng, 2)]
    seen = []

    def step(model, batch):
        seen.append(type(batch))
        return model.training_step(batch)

    set_seed(0)
    model = small()
    fit(model, batches, batches, step=step, epochs=1, device=device, verbose=False)
    assert seen == [CTCBatch] * 4  # two training and two validation batches
    assert predict(model, batches).shape == (32, 40, 5)


def ctc_batch(labels, n_samples, lengths=None):
    """(signal, targets, input_lengths, target_lengths) of given label rows."""
    width = max(len(x) for x in labels)
    targets = torch.tensor([list(x) + [0] * (width - len(x)) for x in labels])
    n = torch.full((len(labels),), n_samples)
    lengths = torch.tensor([len(x) for x in labels] if lengths is None else lengths)
    return (torch.randn(len(labels), 1, n_samples), targets, n, lengths)


def test_training_step_refuses_alignments_that_cannot_exist():
    """10 output steps cannot hold 40 bases; CTC's zero_infinity made that loss 0."""
    model = small()  # stride 3: 30 samples -> 10 steps
    batch = ctc_batch([[1, 2], [1, 2, 3, 4] * 10], 30)
    with pytest.raises(
        ValueError,
        match=r"Basecaller\.training_step: batch row 1 has 40 bases and 0 repeats, so"
        r" CTC needs at least 40 output steps .*, but its 30 samples give 10;",
    ):
        model.training_step(batch)
    # repeated neighbours need a blank between them: 6 bases, 5 repeats > 10 steps
    with pytest.raises(ValueError, match=r"row 0 has 6 bases and 5 repeats.*11"):
        model.training_step(ctc_batch([[2] * 6], 30))
    assert torch.isfinite(model.training_step(ctc_batch([[2] * 5], 30)))  # 9 steps
    # fit used to report train_loss 0.0 on such batches
    with pytest.raises(ValueError, match="at least 40 output steps"):
        fit(model, [batch], epochs=2, device="cpu", verbose=False)


@pytest.mark.parametrize(
    "labels, lengths, expected",
    [
        ([[1, 2, 5, 3]], None, r"row 0 has code 5 at position 2; expected 1\.\.4"),
        ([[1, 2], [1, 0, 3]], None, r"row 1 has code 0 at position 1; expected 1\.\.4"),
        ([[1, -1, 3]], None, r"row 0 has code -1 at position 1"),
        ([[1, 2, 3]], [4], r"target_lengths: row 0 is 4, more than the 3 target"),
        ([[1, 2, 3]], [-1], r"target_lengths: row 0 is -1"),
    ],
)
def test_training_step_refuses_invalid_labels(labels, lengths, expected):
    model = small()
    with pytest.raises(ValueError, match="Basecaller.training_step: .*" + expected):
        model.training_step(ctc_batch(labels, 60, lengths))


def test_training_step_checks_the_batch_shapes():
    model = small()
    signal, targets, n, lengths = ctc_batch([[1, 2], [3, 4]], 60)
    bad = {
        "input_lengths: row 1 is 61 samples, outside 1..60": (
            signal, targets, torch.tensor([60, 61]), lengths),
        r"input_lengths: row 0 is 0 samples": (
            signal, targets, torch.tensor([0, 60]), lengths),
        r"target_lengths: expected shape \(2,\) .*, got shape \(3,\)": (
            signal, targets, n, torch.tensor([2, 2, 2])),
        r"targets: expected \(batch, S\) = \(2, S\)": (
            signal, targets[:1], n, lengths),
    }  # fmt: skip
    for expected, batch in bad.items():
        with pytest.raises(ValueError, match="Basecaller.training_step: .*" + expected):
            model.training_step(batch)


def test_zero_samples_name_the_shape_and_the_minimum():
    """Every convolution pads kernel_size // 2 each side: one sample gives one step."""
    model = Basecaller()
    with pytest.raises(
        ValueError,
        match=r"Basecaller: signal of shape \(2, 1, 0\) has 0 samples; expected at"
        r" least 1",
    ):
        model(torch.zeros(2, 1, 0))
    assert model(torch.zeros(2, 1, 1)).shape == (2, 1, 5)
    assert model.output_lengths(torch.tensor([1])).tolist() == [1]
