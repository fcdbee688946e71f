"""Tests for gdl_utils.training: make_loader, fit (plain path, precision, early
stopping, output, input checks) and predict. The step contract (CTC, VAE, GNN, masked
LM) is tested in test_contract.py, checkpoints in test_checkpoint.py, devices and seeds
in test_runtime.py."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from gdl_utils.models import MLP
from gdl_utils.runtime import set_seed
from gdl_utils.training import (
    History,
    fit,
    make_loader,
    one_cycle,
    predict,
    warmup_cosine,
)
from gdl_utils.training.checkpoint import load_model

BCE = nn.BCEWithLogitsLoss()


def separable(rng, n=128, d=3, margin=0.3):
    """(n, d) float32 points at least ``margin`` from a random hyperplane, labels (n,)
    0/1."""
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    X = rng.normal(size=(6 * n, d)).astype(np.float32)
    s = X @ w
    keep = np.abs(s) > margin
    return X[keep][:n], (s[keep][:n] > 0).astype(np.int64)


def early_stopping_data():
    """1-D logistic problem: training pushes w up forever, validation loss is minimal
    near w = 0.8."""
    X_train = np.array([[1.0], [-1.0]] * 8, dtype=np.float32)
    y_train = np.array([1, 0] * 8)
    X_val = np.array([[1.0]] * 9 + [[-1.0]] * 9 + [[3.0], [-3.0]], dtype=np.float32)
    y_val = np.array([1] * 9 + [0] * 9 + [0, 1])
    return (X_train, y_train), (X_val, y_val)


def zero_linear():
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    return model


# ------------------------------------------------------------------------------ loaders
def test_make_loader_dtypes_and_errors():
    X = np.zeros((10, 4, 5))  # float64 -> float32
    x, y = next(iter(make_loader(X, np.arange(10), batch_size=4)))
    assert x.dtype == torch.float32 and y.dtype == torch.int64 and x.shape == (4, 4, 5)
    (tokens,) = next(iter(make_loader(np.ones((3, 7), dtype=np.int32))))
    assert tokens.dtype == torch.int64
    _, yb = next(iter(make_loader(X, np.ones(10, dtype=bool))))
    assert yb.dtype == torch.int64
    with pytest.raises(ValueError, match=r"\(10, 4, 5\).*\(9,\)"):
        make_loader(X, np.arange(9))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 16), seed=st.integers(0, 2**16))
def test_make_loader_covers_every_row_once(n, batch_size, seed):
    X = np.arange(n, dtype=np.float32)[:, None]
    ordered = torch.cat(
        [x for x, _ in make_loader(X, np.arange(n), batch_size=batch_size)]
    )
    assert ordered[:, 0].tolist() == list(range(n))
    shuffled = [
        torch.cat(
            [
                y
                for _, y in make_loader(
                    X, np.arange(n), batch_size=batch_size, shuffle=True, seed=seed
                )
            ]
        ).tolist()
        for _ in range(2)
    ]
    assert sorted(shuffled[0]) == list(range(n)) and shuffled[0] == shuffled[1]


# ---------------------------------------------------------------------------------- fit
def test_fit_learns_separable_problem(device, rng):
    X, y = separable(rng)
    set_seed(0)
    model = nn.Linear(3, 1)
    hist = fit(
        model,
        (X, y),
        (X, y),
        loss_fn=BCE,
        epochs=25,
        lr=0.2,
        batch_size=128,
        device=device,
        verbose=False,
    )
    df = hist.to_frame()
    assert df["train_loss"].iloc[-1] < 0.5 * df["train_loss"].iloc[0]
    assert next(model.parameters()).device.type == device.type
    pred = (predict(model, X)[:, 0] > 0).astype(int)
    assert (pred == y).mean() == 1.0


def test_fit_cross_entropy_and_mse_targets(device, rng):
    X, y = separable(rng, n=96)
    set_seed(0)
    clf = nn.Linear(3, 2)  # (N, 2) logits, y (N,) int -> class indices
    hist = fit(
        clf,
        (X, y),
        loss_fn=nn.CrossEntropyLoss(),
        epochs=15,
        lr=0.1,
        batch_size=96,
        device=device,
        verbose=False,
    )
    assert (predict(clf, X, activation="softmax").argmax(1) == y).mean() == 1.0
    assert (
        hist.best_epoch == hist.to_frame()["train_loss"].idxmin() + 1
    )  # no val: best by train loss
    target = X @ np.array(
        [1.0, -2.0, 0.5], dtype=np.float32
    )  # (N,) float vs (N, 1) output
    reg = nn.Linear(3, 1)
    hist = fit(
        reg,
        (X, target),
        loss_fn=nn.MSELoss(),
        epochs=40,
        lr=0.1,
        batch_size=96,
        device=device,
        verbose=False,
    )
    assert (
        hist.epochs[-1]["train_loss"] < 0.02 * hist.epochs[0]["train_loss"]
    )  # broadcasting would stall


def test_history_frame_and_metric(rng):
    X, y = separable(rng, n=64)
    seen = {}

    def metric(y_true, y_score):
        seen["shapes"] = (y_true.shape, y_score.shape)
        return float(np.mean((y_score > 0) == y_true))

    hist = fit(
        nn.Linear(3, 1),
        (X, y),
        (X, y),
        loss_fn=BCE,
        epochs=4,
        lr=0.1,
        batch_size=32,
        metric=metric,
        verbose=False,
        device="cpu",
    )
    df = hist.to_frame()
    assert list(df.columns[:4]) == ["epoch", "train_loss", "val_loss", "val_metric"]
    assert df.shape[0] == 4 and df["epoch"].tolist() == [1, 2, 3, 4]
    assert df["val_metric"].between(0, 1).all() and df["val_loss"].notna().all()
    assert seen["shapes"] == (
        (64,),
        (64,),
    )  # (N, 1) logits squeezed to the labels' shape
    assert hist.best_epoch == int(df.loc[df["val_loss"].idxmin(), "epoch"])
    assert not hist.stopped_early and History().best_epoch is None


def test_early_stopping_restores_best_weights(device):
    train, val = early_stopping_data()
    kw = dict(
        loss_fn=BCE,
        lr=0.05,
        optimizer="sgd",
        batch_size=16,
        device=device,
        seed=0,
        verbose=False,
    )
    model = zero_linear()
    hist = fit(model, train, val, epochs=60, patience=3, **kw)
    best = hist.best_epoch
    assert hist.stopped_early and 3 < best < 50
    assert len(hist.epochs) == best + 3
    # the restored weights are exactly those after `best` epochs of the same run
    reference = zero_linear()
    fit(reference, train, val, epochs=best, **kw)
    torch.testing.assert_close(
        model.weight, reference.weight.to(model.weight.device), rtol=0, atol=1e-6
    )
    # and they give the recorded best validation loss, not the last one
    logits = torch.as_tensor(predict(model, val[0])[:, 0])
    val_loss = BCE(logits, torch.as_tensor(val[1], dtype=torch.float32)).item()
    assert val_loss == pytest.approx(hist.epochs[best - 1]["val_loss"], abs=1e-5)
    assert val_loss < hist.epochs[-1]["val_loss"]


def test_same_seed_same_losses(rng):
    X, y = separable(rng, n=96)

    def run(seed):
        set_seed(seed)
        model = nn.Sequential(
            nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 1)
        )
        return (
            fit(
                model,
                (X, y),
                loss_fn=BCE,
                epochs=3,
                batch_size=16,
                seed=seed,
                device="cpu",
                verbose=False,
            )
            .to_frame()["train_loss"]
            .tolist()
        )

    assert run(3) == run(3)
    assert run(3) != run(4)


class AutocastProbe(nn.Module):
    """Records whether autocast was on and the dtype of a linear layer's output."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.seen = set()

    def forward(self, x):
        out = self.linear(x)
        self.seen.add((torch.is_autocast_enabled(x.device.type), out.dtype))
        return out


def test_default_precision_per_device(device, rng):
    X, y = separable(rng, n=32)
    probe = AutocastProbe()
    hist = fit(
        probe,
        (X, y),
        (X, y),
        loss_fn=BCE,
        epochs=2,
        batch_size=32,
        device=device,
        verbose=False,
    )
    if device.type == "cuda":
        bf16 = torch.cuda.is_bf16_supported()
        assert hist.precision == ("bf16" if bf16 else "fp16") and hist.amp
        assert probe.seen == {(True, torch.bfloat16 if bf16 else torch.float16)}
    else:
        assert hist.precision == "fp32" and not hist.amp
        assert probe.seen == {(False, torch.float32)}
    assert next(probe.parameters()).dtype == torch.float32  # master weights stay fp32


def test_explicit_precision_is_checked_and_recorded(rng):
    X, y = separable(rng, n=32)
    probe = AutocastProbe()
    hist = fit(
        probe,
        (X, y),
        loss_fn=BCE,
        epochs=2,
        device="cpu",
        precision="bf16",
        verbose=False,
    )
    assert hist.precision == "bf16" and probe.seen == {(True, torch.bfloat16)}
    assert hist.to_frame()["train_loss"].notna().all()
    with pytest.raises(ValueError, match="fp16.*not available on cpu"):
        fit(probe, (X, y), loss_fn=BCE, epochs=1, device="cpu", precision="fp16")
    with pytest.raises(ValueError, match="precision must be one of"):
        fit(probe, (X, y), loss_fn=BCE, epochs=1, device="cpu", precision="half")


def test_gradient_clipping_bounds_the_step():
    X = np.full((8, 3), 100.0, dtype=np.float32)
    y = np.ones(8, dtype=np.float32) * 1e4
    model = nn.Linear(3, 1)
    before = torch.cat([p.detach().clone().ravel() for p in model.parameters()])
    fit(
        model,
        (X, y),
        loss_fn=nn.MSELoss(),
        epochs=1,
        lr=1.0,
        optimizer="sgd",
        batch_size=8,
        clip_grad_norm=1e-3,
        device="cpu",
        verbose=False,
    )
    after = torch.cat([p.detach().ravel() for p in model.parameters()])
    assert torch.linalg.vector_norm(after - before) <= 1e-3 + 1e-7


def test_fit_input_errors(rng):
    X, y = separable(rng, n=16)
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="needs a validation set"):
        fit(model, (X, y), loss_fn=BCE, patience=2, device="cpu")
    with pytest.raises(ValueError, match="train must be"):
        fit(model, X, loss_fn=BCE, device="cpu")
    with pytest.raises(ValueError, match="give loss_fn"):
        fit(model, (X, y), device="cpu")
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, (X, y), loss_fn=BCE, optimizer="lbfgs", device="cpu")
    with pytest.raises(FloatingPointError, match="epoch 1"):
        fit(
            model,
            (X, y),
            loss_fn=lambda out, t: out.sum() * float("nan"),
            epochs=1,
            device="cpu",
            verbose=False,
        )


@pytest.mark.parametrize(
    "progress, verbose, ci, lines",
    [
        (None, True, "", 3),
        (None, False, "", 0),
        (False, True, "", 0),
        (True, False, "true", 3),
        (True, True, "", 3),  # captured stdout is not a terminal -> plain lines, no bar
    ],
)
def test_progress_output(progress, verbose, ci, lines, capsys, monkeypatch, rng):
    monkeypatch.setenv("CI", ci)
    X, y = separable(rng, n=16)
    fit(
        nn.Linear(3, 1),
        (X, y),
        (X, y),
        loss_fn=BCE,
        epochs=3,
        batch_size=16,
        device="cpu",
        progress=progress,
        verbose=verbose,
    )
    out = capsys.readouterr()
    assert "\r" not in out.out + out.err
    printed = [line for line in out.out.splitlines() if line.strip()]
    assert len(printed) == lines
    if lines:
        assert printed[0].startswith("epoch 1/3") and "val_loss" in printed[0]


@pytest.mark.parametrize("ci, bar", [("", True), ("true", False)])
def test_progress_bar_only_on_a_terminal_outside_ci(ci, bar, capsys, monkeypatch, rng):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    X, y = separable(rng, n=16)
    fit(
        nn.Linear(3, 1),
        (X, y),
        loss_fn=BCE,
        epochs=3,
        batch_size=16,
        device="cpu",
        progress=True,
    )
    out = capsys.readouterr().out
    assert ("\r" in out and "3/3" in out) if bar else "\r" not in out
    assert ("epoch 1/3" in out) != bar


# ------------------------------------------------------------------------------ predict
def test_predict_activations(device, rng):
    X, _ = separable(rng, n=20)
    model = nn.Linear(3, 4).to(device)
    model.train()
    raw = predict(model, X, batch_size=7)
    assert raw.shape == (20, 4) and raw.dtype == np.float32
    np.testing.assert_allclose(
        predict(model, X, activation="sigmoid"), 1 / (1 + np.exp(-raw)), rtol=1e-5
    )
    soft = predict(model, torch.as_tensor(X), activation="softmax")
    np.testing.assert_allclose(soft.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(soft.argmax(1), raw.argmax(1))
    assert model.training  # mode restored
    assert predict(model, make_loader(X, batch_size=5)).shape == (20, 4)
    with pytest.raises(ValueError, match="activation"):
        predict(model, X, activation="relu")


# ----------------------------------------------------------------- predict: eval mode
class NoisyNet(nn.Module):
    """Dropout and batch norm: train-mode outputs are random and batch-dependent."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(3, 16),
            nn.BatchNorm1d(16),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(16, 2),
        )

    def forward(self, x):
        return self.net(x)


def test_predict_uses_eval_mode_and_restores_the_model(device, rng):
    X, _ = separable(rng, n=40)
    set_seed(0)
    model = NoisyNet().to(device)
    with torch.no_grad():  # move the running statistics away from their initial values
        model(torch.as_tensor(X, device=device) * 3 + 1)
        train_out = model(torch.as_tensor(X, device=device)).cpu().numpy()
        expected = model.eval()(torch.as_tensor(X, device=device)).cpu().numpy()
    model.train()
    got = predict(model, X, batch_size=7)  # batches of 7 in train mode would differ too
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert not np.allclose(train_out, expected, atol=1e-3)  # the test can fail
    np.testing.assert_array_equal(predict(model, X, batch_size=7), got)  # deterministic
    # another batch size may round differently in the last bit (BLAS blocking)
    np.testing.assert_allclose(predict(model, X), got, rtol=1e-6, atol=1e-7)
    assert model.training  # mode restored


def test_predict_on_another_device_restores_the_device(device, rng):
    X, _ = separable(rng, n=10)
    model = nn.Linear(3, 2)  # on the CPU
    out = predict(model, X, device=device)
    assert out.shape == (10, 2) and next(model.parameters()).device.type == "cpu"


def test_predict_any_batch_structure(rng):
    X, _ = separable(rng, n=12)

    class DictModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x):
            return {"logits": self.linear(x), "hidden": (x * 2, x.sum(1))}

        def predict_step(self, batch):
            return self(batch["x"])

    model = DictModel()
    batches = [{"x": torch.as_tensor(X[:5])}, {"x": torch.as_tensor(X[5:])}]
    out = predict(model, batches)
    assert set(out) == {"logits", "hidden"} and out["logits"].shape == (12, 2)
    assert out["hidden"][0].shape == (12, 3) and out["hidden"][1].shape == (12,)
    np.testing.assert_allclose(out["hidden"][1], X.sum(1), rtol=1e-5)
    chosen = predict(model, batches, forward=lambda m, b: m.linear(b["x"]))
    np.testing.assert_allclose(chosen, out["logits"])
    with pytest.raises(TypeError, match="returned a str"):
        predict(model, batches, forward=lambda m, b: "oops")
    with pytest.raises(ValueError, match="no batches"):
        predict(model, [])


# ------------------------------------------------------------ inputs: dtypes, labels
def test_int8_one_hot_trains_and_predicts_like_float(rng):
    codes = rng.integers(0, 4, size=(64, 10))
    onehot = np.eye(4, dtype=np.int8)[codes].transpose(0, 2, 1)  # (64, 4, 10) int8
    y = (codes[:, 3] == 2).astype(np.float32)
    out = {}
    for dtype in (np.int8, np.uint8, bool, np.float32):
        set_seed(0)
        model = MLP(40, hidden_sizes=(8,))
        fit(
            model,
            (onehot.astype(dtype), y),
            loss_fn=BCE,
            epochs=3,
            seed=0,
            device="cpu",
            verbose=False,
        )
        out[dtype] = predict(model, onehot.astype(dtype))
    for dtype in (np.int8, np.uint8, bool):
        np.testing.assert_array_equal(out[dtype], out[np.float32])


def test_integer_token_ids_stay_integers_for_embeddings(rng):
    tokens = rng.integers(0, 5, size=(20, 7)).astype(np.int8)
    model = nn.Sequential(nn.Embedding(5, 3), nn.Flatten(), nn.Linear(21, 1))
    assert predict(model, tokens).shape == (20, 1)


def test_text_input_says_to_encode_first():
    model = MLP(8)
    with pytest.raises(TypeError, match="encode sequences first.*one_hot"):
        predict(model, ["ACGT", "TTGA"])
    with pytest.raises(TypeError, match="encode sequences first"):
        predict(model, np.array(["ACGT", "TTGA"]))
    with pytest.raises(TypeError, match="make_loader: X is a <U4 array"):
        fit(model, (np.array(["ACGT", "TTGA"]), np.array([0, 1])), loss_fn=BCE)


@pytest.mark.parametrize("labels", [[0, 2], [-1, 1], [0, np.nan]])
def test_bce_rejects_labels_outside_zero_one(labels, rng):
    X, _ = separable(rng, n=16)
    y = np.array(labels * 8, dtype=np.float32)
    shown = str(labels[1])
    with pytest.raises(
        ValueError, match=rf"train labels must lie in \[0, 1\].*{shown}"
    ):
        fit(nn.Linear(3, 1), (X, y), loss_fn=BCE, epochs=1, device="cpu")
    good = np.array([0, 1] * 8)
    with pytest.raises(ValueError, match="val labels"):
        fit(nn.Linear(3, 1), (X, good), (X, y), loss_fn=nn.BCELoss(), device="cpu")
    soft = np.linspace(0, 1, 16)  # probabilities are fine
    fit(nn.Linear(3, 1), (X, soft), loss_fn=BCE, epochs=1, device="cpu", verbose=False)


# --------------------------------------------------------------- checkpoints from fit
def test_fit_checkpoints_the_best_epoch(tmp_path):
    train, val = early_stopping_data()
    set_seed(0)
    model = MLP(1, hidden_sizes=())
    nn.init.zeros_(model.net[0].weight)
    path = tmp_path / "best.pt"
    hist = fit(
        model,
        train,
        val,
        loss_fn=BCE,
        lr=0.05,
        optimizer="sgd",
        batch_size=16,
        epochs=40,
        seed=0,
        checkpoint=path,
        verbose=False,
    )
    best = load_model(path)
    assert best.checkpoint_metadata["epoch"] == hist.best_epoch < 40
    logits = torch.as_tensor(predict(best, val[0])[:, 0])
    val_loss = BCE(logits, torch.as_tensor(val[1], dtype=torch.float32)).item()
    assert val_loss == pytest.approx(
        hist.epochs[hist.best_epoch - 1]["val_loss"], abs=1e-5
    )


# ----------------------------------------------- learning-rate schedules, epoch hook
def sgd_probe(lr=0.1):
    """A weight w = 0 whose loss w has gradient 1: plain SGD moves w by -lr each step,
    so the final w is minus the sum of the learning rates used."""
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    batches = [torch.zeros(1)] * 3  # 3 steps per epoch
    return model, opt, batches, lambda m, batch: m.weight.sum()


def test_lr_schedule_per_batch_multiplies_lr_at_every_step():
    model, opt, batches, step = sgd_probe()
    schedule = lambda i: 1.0 / (i + 1)  # noqa: E731
    hist = fit(model, batches, step=step, optimizer=opt, epochs=2,
               lr_schedule=schedule, device="cpu", verbose=False)  # fmt: skip
    used = 0.1 * np.array([schedule(i) for i in range(6)])
    assert model.weight.item() == pytest.approx(-used.sum(), rel=1e-6)
    # the lr column: the rate of each epoch's last step
    assert hist.to_frame()["lr"].tolist() == pytest.approx([used[2], used[5]])
    assert opt.param_groups[0]["lr"] == 0.1  # restored


def test_lr_schedule_per_epoch_sets_one_rate_per_epoch():
    model, opt, batches, step = sgd_probe()
    lrs = [0.1, 0.1, 0.03, 0.01]
    hist = fit(model, batches, step=step, optimizer=opt, epochs=4,
               lr_schedule=lambda epoch: lrs[epoch] / lrs[0], schedule_every="epoch",
               device="cpu", verbose=False)  # fmt: skip
    assert hist.to_frame()["lr"].tolist() == pytest.approx(lrs)
    assert model.weight.item() == pytest.approx(-3 * sum(lrs), rel=1e-6)


def test_without_a_schedule_the_lr_column_is_constant(rng):
    X, y = separable(rng, n=32)
    hist = fit(nn.Linear(3, 1), (X, y), loss_fn=BCE, epochs=2, lr=0.02,
               device="cpu", verbose=False)  # fmt: skip
    df = hist.to_frame()
    assert df["lr"].tolist() == [0.02, 0.02]
    assert list(df.columns[:4]) == ["epoch", "train_loss", "val_loss", "val_metric"]


def test_lr_schedule_errors():
    model, opt, batches, step = sgd_probe()
    kw = dict(step=step, optimizer=opt, epochs=1, device="cpu", verbose=False)
    with pytest.raises(ValueError, match="schedule_every must be one of"):
        fit(model, batches, lr_schedule=lambda i: 1.0, schedule_every="step", **kw)
    with pytest.raises(TypeError, match="lr_schedule must be a function"):
        fit(model, batches, lr_schedule=0.5, **kw)
    with pytest.raises(ValueError, match=r"lr_schedule\(0\) = nan"):
        fit(model, batches, lr_schedule=lambda i: float("nan"), **kw)


def test_warmup_cosine_follows_nanogpt():
    f = warmup_cosine(4, 14, final=0.1)

    def get_lr(it, lr=1.0, min_lr=0.1, warmup=4, decay=14):  # nanoGPT train.py
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        if it > decay:
            return min_lr
        ratio = (it - warmup) / (decay - warmup)
        return min_lr + 0.5 * (1.0 + np.cos(np.pi * ratio)) * (lr - min_lr)

    assert [f(i) for i in range(20)] == pytest.approx([get_lr(i) for i in range(20)])
    assert f(3) < f(4) == 1.0 and f(14) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="total_steps must be an integer >= 5"):
        warmup_cosine(4, 4)
    with pytest.raises(ValueError, match="final must lie in"):
        warmup_cosine(0, 10, final=2.0)


@pytest.mark.parametrize("total, pct", [(100, 0.3), (37, 0.25), (10, 0.5)])
def test_one_cycle_matches_torch(total, pct):
    opt = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=1.0)
    ref = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=1.0, total_steps=total, pct_start=pct, cycle_momentum=False
    )
    expected = []
    for _ in range(total):
        expected.append(ref.get_last_lr()[0])
        opt.step()
        ref.step()
    f = one_cycle(total, pct_start=pct)
    assert [f(i) for i in range(total)] == pytest.approx(expected, rel=1e-9)
    assert f(total + 5) == f(total - 1)  # held after the cycle


def test_schedules_work_with_lambda_lr_as_in_fit():
    """fit's per-batch schedule and torch's LambdaLR use a schedule the same way."""
    f = warmup_cosine(2, 6, final=0.0)
    model, opt, batches, step = sgd_probe()
    fit(model, batches, step=step, optimizer=opt, epochs=2, lr_schedule=f,
        device="cpu", verbose=False)  # fmt: skip
    ref, ref_opt, _, _ = sgd_probe()
    scheduler = torch.optim.lr_scheduler.LambdaLR(ref_opt, f)
    for _ in range(6):
        ref_opt.zero_grad()
        ref.weight.sum().backward()
        ref_opt.step()
        scheduler.step()
    assert model.weight.item() == pytest.approx(ref.weight.item(), rel=1e-6)


def test_on_epoch_end_adds_columns_after_validation(rng):
    X, y = separable(rng, n=64)
    seen = []

    def hook(net, row):
        seen.append((row["epoch"], net.training, row["val_loss"]))
        return {"val_score": 10.0 * row["epoch"], "val_twice": 2 * row["val_loss"]}

    hist = fit(nn.Linear(3, 1), (X, y), (X, y), loss_fn=BCE, epochs=3,
               on_epoch_end=hook, device="cpu", verbose=False)  # fmt: skip
    df = hist.to_frame()
    assert df["val_score"].tolist() == [10.0, 20.0, 30.0]
    assert df["val_twice"].tolist() == pytest.approx(2 * df["val_loss"])
    assert [(e, training) for e, training, _ in seen] == [(1, False), (2, False),
                                                          (3, False)]  # fmt: skip
    assert not any(np.isnan(v) for _, _, v in seen)  # validation ran before the hook
    assert df.columns[-1] == "seconds"
    modes = []  # without validation too, the hook sees the model in eval mode
    quiet = fit(nn.Linear(3, 1), (X, y), loss_fn=BCE, epochs=2, device="cpu",
                on_epoch_end=lambda net, row: modes.append(net.training),
                verbose=False)  # fmt: skip
    assert "val_score" not in quiet.to_frame() and modes == [False, False]
    with pytest.raises(ValueError, match=r"columns fit owns: \['train_loss'\]"):
        fit(nn.Linear(3, 1), (X, y), loss_fn=BCE, epochs=1, device="cpu",
            on_epoch_end=lambda net, row: {"train_loss": 0}, verbose=False)  # fmt: skip


# ------------------------------------------------------- issue 24: silent wrong answers
@pytest.mark.parametrize("form", ["loader", "list"])
def test_bce_labels_are_checked_in_loaders_and_batch_lists(form, rng):
    """{0, 2} labels are refused from a DataLoader or a list of batches too, naming the
    batch, not only from (X, y) arrays."""
    X, _ = separable(rng, n=16)
    y = np.array([0, 1] * 4 + [0, 2] * 4, dtype=np.float32)  # batch 1 holds the 2s
    if form == "loader":
        data = make_loader(X, y, batch_size=8)
    else:
        data = [
            (torch.as_tensor(X[i : i + 8]), torch.as_tensor(y[i : i + 8]))
            for i in (0, 8)
        ]
    kw = dict(loss_fn=BCE, epochs=1, device="cpu", verbose=False)
    with pytest.raises(
        ValueError, match=r"train batch 1 of epoch 1 labels must lie in \[0, 1\].*2\.0"
    ):
        fit(nn.Linear(3, 1), data, **kw)
    good = [(torch.as_tensor(X), torch.as_tensor(rng.integers(0, 2, 16)))]
    with pytest.raises(ValueError, match=r"val batch 1 of epoch 1 labels must lie"):
        fit(nn.Linear(3, 1), good, data, **kw)
    soft = [(torch.as_tensor(X), torch.linspace(0, 1, 16))]  # probabilities are fine
    fit(nn.Linear(3, 1), soft, soft, **kw)


def test_nan_validation_loss_raises_naming_the_epoch(rng):
    """A NaN validation loss used to count as 'no improvement': fit stopped early after
    `patience` epochs and restored nothing, without a word."""
    X, y = separable(rng, n=16)
    X_val = X.copy()
    X_val[3, 0] = np.nan
    with pytest.raises(FloatingPointError, match="validation loss is nan in epoch 1"):
        fit(
            nn.Linear(3, 1),
            (X, y),
            (X_val, y),
            loss_fn=BCE,
            patience=1,
            epochs=3,
            device="cpu",
            verbose=False,
        )


@pytest.mark.parametrize(
    "epochs, error",
    [
        (-1, ValueError),
        (0, ValueError),
        (2.5, ValueError),
        ("3", TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_epochs_must_be_a_positive_integer(epochs, error, rng):
    X, y = separable(rng, n=16)
    with pytest.raises(error, match=rf"fit: epochs must be an integer.*{epochs!r}"):
        fit(nn.Linear(3, 1), (X, y), loss_fn=BCE, epochs=epochs, device="cpu")


def test_fit_uses_the_fused_adam_kernel_with_the_same_update():
    # fused AdamW is only a faster kernel: one step matches the per-tensor update
    from gdl_utils.training.loop import _optimizer

    torch.manual_seed(0)
    a = nn.Linear(8, 2)
    b = nn.Linear(8, 2)
    b.load_state_dict(a.state_dict())
    fused = _optimizer(a, "adamw", 1e-2, 1e-2)
    assert fused.defaults["fused"] is True
    plain = torch.optim.AdamW(b.parameters(), lr=1e-2, weight_decay=1e-2)
    x = torch.randn(16, 8)
    for model, opt in [(a, fused), (b, plain)]:
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)
    # a model without trainable parameters gets the plain kernel
    frozen = nn.Linear(2, 2).requires_grad_(False)
    assert not _optimizer(frozen, "adamw", 1e-2, 0.0).defaults.get("fused")
