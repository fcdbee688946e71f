"""Tests for gdl_utils.training.checkpoint and the model registry: round trips,
load_model for
every registered class (nested wrappers too), weights_only loading, and bad files."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import torch
from torch import nn

from gdl_utils.models import (
    MLP,
    MODELS,
    DeepBind,
    MultiTaskCNN,
    Perceptron,
    RCAveraged,
    build_model,
    count_parameters,
    model_config,
    register,
)
from gdl_utils.runtime import set_seed
from gdl_utils.training.checkpoint import load_checkpoint, load_model, save_checkpoint

EXAMPLES = {
    "Perceptron": lambda: Perceptron(4 * 12, n_outputs=2),
    "MLP": lambda: MLP(4 * 12, hidden_sizes=(8, 4), n_outputs=3, dropout=0.1),
    "DeepBind": lambda: DeepBind(
        n_filters=4, kernel_size=5, hidden=0, global_pool="maxavg"
    ),
    "MultiTaskCNN": lambda: MultiTaskCNN(
        3, conv_channels=(8, 8), kernel_sizes=(5, 3), pool_sizes=(2, 0), hidden=6
    ),
    "RCAveraged": lambda: RCAveraged(
        MultiTaskCNN(2, conv_channels=(4,), kernel_sizes=5, pool_sizes=0)
    ),
}


def test_every_package_model_is_registered_and_has_an_example():
    package = {"Perceptron", "MLP", "DeepBind", "MultiTaskCNN", "RCAveraged"}
    assert package <= set(MODELS) and set(EXAMPLES) == package


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_load_model_rebuilds_every_registered_class(name, tmp_path, device, rng):
    set_seed(3)
    model = EXAMPLES[name]()
    if any(isinstance(m, nn.BatchNorm1d) for m in model.modules()):
        with torch.no_grad():  # running statistics are buffers: they must travel too
            model(torch.as_tensor(rng.random((5, 4, 12)), dtype=torch.float32))
    path = save_checkpoint(model, tmp_path / f"{name}.pt", epoch=4, auc=0.9)
    set_seed(99)  # a rebuilt model starts from other random weights
    loaded = load_model(path, device=device)
    assert type(loaded) is type(model) and not loaded.training
    assert loaded.checkpoint_metadata == {"epoch": 4, "auc": 0.9}
    assert next(loaded.parameters()).device.type == device.type
    assert model_config(loaded) == model_config(model)
    x = torch.as_tensor(
        np.eye(4, dtype=np.float32)[rng.integers(0, 4, (6, 12))]
    ).transpose(1, 2)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x.to(device)).cpu(), model.eval()(x))


def test_model_config_nests_wrapped_models():
    config = model_config(RCAveraged(DeepBind(n_filters=3, kernel_size=4)))
    inner = config["args"]["model"]["__model__"]
    assert config["class"] == "RCAveraged" and inner["class"] == "DeepBind"
    assert inner["args"]["n_filters"] == 3 and inner["args"]["global_pool"] == "max"
    assert json.loads(json.dumps(config)) == config
    rebuilt = build_model(json.loads(json.dumps(config)))
    assert isinstance(rebuilt.model, DeepBind) and rebuilt.model.conv.out_channels == 3


def test_register_your_own_class(tmp_path):
    @register
    class TinyNet(nn.Module):
        def __init__(self, width: int, scale: float = 2.0):
            super().__init__()
            self.linear, self.scale = nn.Linear(3, width), scale

        def forward(self, x):
            return self.linear(x) * self.scale

    model = TinyNet(5, scale=0.5)
    assert model.model_args == {"width": 5, "scale": 0.5}
    loaded = load_model(save_checkpoint(model, tmp_path / "tiny.pt"))
    assert loaded.scale == 0.5 and loaded.linear.out_features == 5

    class Unregistered(TinyNet):  # a subclass records nothing and cannot be rebuilt
        pass

    path = save_checkpoint(Unregistered(2), tmp_path / "sub.pt")
    with pytest.raises(
        ValueError, match="sub.pt holds a Unregistered without constructor"
    ):
        load_model(path)
    with pytest.raises(ValueError, match="already registered"):
        register(type("TinyNet", (nn.Module,), {"__module__": "elsewhere"}))
    with pytest.raises(TypeError, match="nn.Module subclass"):
        register(dict)


def test_count_parameters():
    model = MLP(10, hidden_sizes=(4,), n_outputs=2)  # 10*4 + 4 + 4*2 + 2
    assert count_parameters(model) == 54
    model.net[0].weight.requires_grad_(False)
    assert (
        count_parameters(model) == 14
        and count_parameters(model, trainable_only=False) == 54
    )


# ------------------------------------------------------------- into an existing model
def test_checkpoint_round_trip(tmp_path, device):
    set_seed(1)
    model = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.Linear(5, 2))
    path = save_checkpoint(
        model, tmp_path / "sub" / "m.pt", epoch=3, hidden=[5], note="ok"
    )
    clone = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.Linear(5, 2))
    meta = load_checkpoint(clone, path, device=device)
    assert meta == {"epoch": 3, "hidden": [5], "note": "ok"}
    for (name, a), b in zip(model.state_dict().items(), clone.state_dict().values()):
        assert b.device.type == device.type, name
        torch.testing.assert_close(a, b.cpu(), rtol=0, atol=0)


def test_checkpoint_uses_weights_only(tmp_path, monkeypatch):
    model = nn.Linear(2, 1)
    path = save_checkpoint(model, tmp_path / "m.pt")
    calls = []
    real_load = torch.load
    monkeypatch.setattr(
        torch, "load", lambda *a, **kw: calls.append(kw) or real_load(*a, **kw)
    )
    assert load_checkpoint(nn.Linear(2, 1), path) == {}
    with pytest.raises(ValueError, match="without constructor arguments"):
        load_model(path)  # nn.Linear is not registered
    assert len(calls) == 2 and all(kw.get("weights_only") is True for kw in calls)
    monkeypatch.undo()
    # a file with an arbitrary pickled object is refused, and the message names the file
    torch.save(
        {"state_dict": model.state_dict(), "payload": pickle.Unpickler},
        tmp_path / "evil.pt",
    )
    for load in (lambda p: load_checkpoint(nn.Linear(2, 1), p), load_model):
        with pytest.raises(
            ValueError, match="evil.pt is not a readable checkpoint.*weights_only"
        ):
            load(tmp_path / "evil.pt")


def test_checkpoint_mismatch_errors(tmp_path):
    path = save_checkpoint(nn.Linear(4, 2), tmp_path / "m.pt")
    mismatch = r"saved from a Linear.*weight: checkpoint \(2, 4\) vs model \(3, 4\)"
    with pytest.raises(ValueError, match=mismatch):
        load_checkpoint(nn.Linear(4, 3), path)
    with pytest.raises(ValueError, match="missing from checkpoint"):
        load_checkpoint(nn.Sequential(nn.Linear(4, 2)), path)
    with pytest.raises(ValueError, match="'when'.*JSON"):
        save_checkpoint(nn.Linear(4, 2), tmp_path / "x.pt", when=object())
    with pytest.raises(FileNotFoundError, match="absent.pt"):
        load_checkpoint(nn.Linear(4, 2), tmp_path / "absent.pt")
    torch.save(
        nn.Linear(4, 2).state_dict(), tmp_path / "bare.pt"
    )  # a plain state_dict loads
    assert load_checkpoint(nn.Linear(4, 2), tmp_path / "bare.pt") == {}
    with pytest.raises(ValueError, match="bare.pt holds a bare state_dict"):
        load_model(tmp_path / "bare.pt")


# ----------------------------------------------------------------------- bad files
def _bad_files(tmp_path):
    good = save_checkpoint(DeepBind(n_filters=2, kernel_size=3), tmp_path / "good.pt")
    data = good.read_bytes()
    (tmp_path / "truncated.pt").write_bytes(data[: len(data) // 2])
    (tmp_path / "random.pt").write_bytes(np.random.default_rng(0).bytes(2000))
    (tmp_path / "empty.pt").write_bytes(b"")
    torch.save({"weights": [1, 2, 3], "epoch": 3}, tmp_path / "wrong_dict.pt")
    torch.save([torch.ones(2)], tmp_path / "a_list.pt")
    obj = torch.load(good, weights_only=True)
    torch.save(
        {**obj, "model_config": json.dumps({"class": "NoSuchNet", "args": {}})},
        tmp_path / "unknown_class.pt",
    )
    torch.save({**obj, "metadata": "{not json"}, tmp_path / "bad_metadata.pt")
    torch.save({**obj, "state_dict": 5}, tmp_path / "bad_state.pt")
    torch.save(
        {k: v for k, v in obj.items() if k != "state_dict"}, tmp_path / "no_state.pt"
    )
    config = {
        "class": "DeepBind",
        "args": {"n_filters": 2, "kernel_size": 3, "colour": 1},
    }
    torch.save({**obj, "model_config": json.dumps(config)}, tmp_path / "bad_args.pt")
    return good


@pytest.mark.parametrize(
    "name, match",
    [
        ("truncated", "not a readable checkpoint"),
        ("random", "not a readable checkpoint"),
        ("empty", "is empty, not a checkpoint"),
        (
            "wrong_dict",
            r"holds a dict with keys \['weights', 'epoch'\], not a gdl_utils",
        ),
        ("a_list", "holds a list"),
        ("unknown_class", "unknown model class 'NoSuchNet'; registered: .*DeepBind"),
        (
            "bad_metadata",
            "damaged gdl_utils-checkpoint-v2 file: metadata is not a JSON",
        ),
        ("bad_state", "damaged"),
        ("no_state", "damaged.*state_dict is not a dict of tensors"),
        ("bad_args", "cannot build DeepBind.*colour"),
    ],
)
def test_bad_checkpoints_name_the_file(name, match, tmp_path):
    _bad_files(tmp_path)
    path = tmp_path / f"{name}.pt"
    with pytest.raises(ValueError, match=rf"{name}\.pt") as err:
        load_model(path)
    assert err.match(match)
    if name not in ("unknown_class", "bad_args"):  # those only matter for rebuilding
        with pytest.raises(ValueError, match=rf"load_checkpoint: .*{name}\.pt"):
            load_checkpoint(DeepBind(n_filters=2, kernel_size=3), path)


# ------------------------------------------ issue 24: checkpoints that trust their args
@pytest.fixture
def no_big_tensors(monkeypatch):
    """Fail if anything allocates a tensor of more than 10**6 elements off the meta
    device (what load_model did for a 3.6-kB file asking for hidden=2e9)."""
    real = torch.empty

    def guarded(*size, **kwargs):
        shape = size[0] if len(size) == 1 and not isinstance(size[0], int) else size
        n = int(np.prod([int(s) for s in shape], dtype=np.float64))
        where = real(0, device=kwargs.get("device")).device.type
        if n > 10**6 and where != "meta":
            raise AssertionError(f"allocated a {where} tensor of {n} elements")
        return real(*size, **kwargs)

    monkeypatch.setattr(torch, "empty", guarded)


def _tampered(path, out, **changes):
    """A copy of checkpoint ``path`` with some of its entries replaced (the digest
    kept)."""
    obj = torch.load(path, weights_only=True)
    torch.save({**obj, **changes}, out)
    return out


def test_huge_stored_arguments_are_refused_before_building(tmp_path, no_big_tensors):
    model = DeepBind(n_filters=2, kernel_size=3, hidden=4)
    good = save_checkpoint(model, tmp_path / "good.pt")
    assert good.stat().st_size < 10_000
    config = model_config(model)
    config["args"]["hidden"] = 2_000_000_000
    path = _tampered(good, tmp_path / "huge.pt", model_config=json.dumps(config))
    with pytest.raises(
        ValueError, match=r"huge\.pt.*DeepBind argument hidden=2000000000 is larger"
    ):
        load_model(path)
    # a consistent file (digest recomputed on saving) whose arguments do not make the
    # stored weights: refused by comparing shapes on the meta device, never built
    model.model_args["hidden"] = 60_000
    path = save_checkpoint(model, tmp_path / "forged.pt")
    with pytest.raises(
        ValueError, match=r"forged\.pt .*shape mismatch.*checkpoint \(4, 2\) vs model"
    ):
        load_model(path)


@pytest.mark.parametrize(
    "args, match",
    [
        ({"hidden": 2e9}, r"hidden=2000000000\.0 must be int"),
        ({"hidden": "32"}, r"hidden='32' must be int"),
        ({"hidden": True}, r"hidden=True must be int"),
        ({"global_pool": 1}, r"global_pool=1 must be str"),
        ({"dropout": float("nan")}, r"dropout=nan must be a finite"),
        ({"colour": 1}, r"unknown argument 'colour'; DeepBind takes .*n_filters"),
    ],
)
def test_build_model_checks_stored_arguments_against_the_signature(args, match):
    config = model_config(DeepBind(n_filters=2, kernel_size=3))
    config["args"].update(args)
    with pytest.raises(
        ValueError, match=rf"build_model: cannot build DeepBind.*{match}"
    ):
        build_model(config)


def test_build_model_checks_sequences_and_required_arguments():
    config = model_config(
        MultiTaskCNN(2, conv_channels=(4,), kernel_sizes=5, pool_sizes=0)
    )
    config["args"]["conv_channels"] = ["4"]
    with pytest.raises(ValueError, match=r"conv_channels=\['4'\] must be"):
        build_model(config)
    del config["args"]["n_outputs"]
    config["args"]["conv_channels"] = [4]
    with pytest.raises(ValueError, match=r"missing required argument 'n_outputs'"):
        build_model(config)


def test_deeply_nested_configs_are_value_errors(tmp_path):
    deep = {"class": "DeepBind", "args": {}}
    for _ in range(3000):
        deep = {"class": "RCAveraged", "args": {"model": {"__model__": deep}}}
    with pytest.raises(ValueError, match="build_model: the config is nested deeper"):
        build_model(deep)
    good = save_checkpoint(DeepBind(n_filters=2, kernel_size=3), tmp_path / "good.pt")
    n = 100_000
    text = '{"class": "RCAveraged", "args": {"model": {"__model__": ' * n
    text += '{"class": "DeepBind", "args": {}}' + "}}}}" * n
    path = _tampered(good, tmp_path / "deep.pt", model_config=text)
    with pytest.raises(ValueError, match=r"deep\.pt .*model_config.*nested too deep"):
        load_model(path)


def test_edits_that_keep_the_weight_shapes_are_detected(tmp_path):
    """global_pool max -> avg keeps every shape; the digest over class, arguments,
    metadata and weights catches it (and any other edit after saving)."""
    model = DeepBind(n_filters=2, kernel_size=3, global_pool="max")
    good = save_checkpoint(model, tmp_path / "good.pt", epoch=3)
    config = model_config(model)
    config["args"]["global_pool"] = "avg"
    avg = _tampered(good, tmp_path / "avg.pt", model_config=json.dumps(config))
    with pytest.raises(ValueError, match=r"avg\.pt .*sha256 .* does not match"):
        load_model(avg)
    state = torch.load(good, weights_only=True)["state_dict"]
    state = {k: v + 1 if k == "conv.bias" else v for k, v in state.items()}
    edited = _tampered(good, tmp_path / "weights.pt", state_dict=state)
    meta = _tampered(good, tmp_path / "meta.pt", metadata='{"epoch": 9}')
    for path in (edited, meta):
        with pytest.raises(ValueError, match="sha256 .* does not match"):
            load_model(path)
        with pytest.raises(ValueError, match=r"load_checkpoint: .*sha256"):
            load_checkpoint(DeepBind(n_filters=2, kernel_size=3), path)
    obj = torch.load(good, weights_only=True)
    unsigned = tmp_path / "unsigned.pt"
    torch.save({k: v for k, v in obj.items() if k != "sha256"}, unsigned)
    with pytest.raises(ValueError, match=r"unsigned\.pt has no sha256 digest"):
        load_model(unsigned)  # the stored arguments are trusted only with a digest
    assert load_checkpoint(DeepBind(n_filters=2, kernel_size=3), unsigned) == {
        "epoch": 3
    }
    assert load_model(good).checkpoint_metadata == {"epoch": 3}


def test_a_constructor_that_cannot_run_on_meta_still_loads(tmp_path):
    """A user class whose __init__ reads a tensor value cannot be built on the meta
    device; load_model then builds it for real (the checks before still hold)."""

    @register
    class ReadsAValue(nn.Module):
        def __init__(self, width: int = 3):
            super().__init__()
            self.linear = nn.Linear(2, width * int(torch.ones(()).item()))

    model = ReadsAValue(4)
    loaded = load_model(save_checkpoint(model, tmp_path / "reads.pt"))
    torch.testing.assert_close(loaded.linear.weight, model.linear.weight)
    model.model_args["width"] = 5  # a forged file: refused after the real build
    with pytest.raises(ValueError, match=r"forged\.pt .*shape mismatch"):
        load_model(save_checkpoint(model, tmp_path / "forged.pt"))
