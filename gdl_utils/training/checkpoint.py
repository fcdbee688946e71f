"""Save a model with the arguments that built it, and load it back: into a model, or as
a ready model.

A checkpoint is a plain dictionary written with :func:`torch.save`::

    {"format": "gdl_utils-checkpoint-v2", "model_class": "DeepBind",
     "model_config": '{"class": "DeepBind", "args": {"n_filters": 16, ...}}',   # "" if
     not registered "state_dict": {name: tensor, ...}, "metadata": '{"epoch": 12, ...}',
     "sha256": "9f2c..."}

It holds only tensors, strings and numbers, so it is read back with ``torch.load(...,
weights_only=True)``, which refuses to run arbitrary pickled code. For a model of a
registered class (every class in :mod:`gdl_utils.models`, or your own decorated with
:func:`gdl_utils.models.register`) the constructor arguments are stored too (nanoGPT's
``model_args``), and :func:`load_model` rebuilds the model by itself. For any other
``nn.Module`` rebuild it yourself and call :func:`load_checkpoint`.

**What is checked.** ``sha256`` digests the other entries (strings as stored; each
tensor's name, dtype, shape and bytes): an edit after saving (``global_pool`` max ->
avg keeps every shape) is refused (it detects edits; it is no signature).
:func:`load_model` trusts stored arguments only with a digest and checks them before
building anything: :func:`~gdl_utils.models.registry.check_config` (signature,
annotations, no integer beyond what the stored weights need), then a build on the
``meta`` device (no memory) whose every shape must match the stored ``state_dict``.

Any file that is not a readable checkpoint (truncated, random bytes, another kind of
dictionary, an unknown model class) raises ``ValueError`` naming the file.

Used in: appendix on reproducibility; chapter 7 (pretrained models reused in chapters 8
and 9).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..models.registry import MODELS, build_model, check_config, model_config
from ..runtime import model_device

FORMAT, OLD_FORMAT = "gdl_utils-checkpoint-v2", "gdl_utils-checkpoint-v1"
MIN_INT_BOUND = 2**16  # a stored integer argument may exceed the weights up to here

__all__ = ["save_checkpoint", "load_checkpoint", "load_model"]


def save_checkpoint(model: nn.Module, path: str | Path, **metadata: Any) -> Path:
    """Write ``model``'s weights, its constructor arguments (registered classes) and
    ``metadata`` to ``path``.

    Parameters
    ----------
    model : torch.nn.Module; its parameters and buffers are saved on the CPU (a
        checkpoint written on a GPU loads on a laptop), a ``DistributedDataParallel``
        wrapper is unwrapped
    path : str or Path, the file to write (parent folders are created; suffix ``.pt``)
    **metadata : anything :func:`json.dumps` accepts: epoch, validation scores, seed

    Returns the path written (a ``pathlib.Path``). Raises ``ValueError`` naming a
    metadata value or constructor argument that is not JSON-serialisable.

    Used in: appendix on reproducibility, chapter 7 (through ``fit(checkpoint=...)``).
    """
    ddp = type(model).__name__ == "DistributedDataParallel"
    model = getattr(model, "module", model) if ddp else model
    cls = type(model)
    registered = MODELS.get(cls.__name__) is cls and hasattr(model, "model_args")
    config = model_config(model) if registered else None
    for key, value in list(metadata.items()) + [("constructor arguments", config)]:
        try:
            json.dumps(value)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"save_checkpoint: {key!r} = {value!r} (type {type(value).__name__})"
                " is not JSON-serialisable; convert it (e.g. float(x), x.tolist())"
                " before saving"
            ) from err
    state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    obj = {
        "format": FORMAT,
        "model_class": type(model).__name__,
        "model_config": json.dumps(config) if config else "",
        "state_dict": state,
        "metadata": json.dumps(metadata),
    }
    torch.save({**obj, "sha256": _digest(obj)}, path)
    return path


def _digest(obj: dict) -> str:
    """sha256 of a checkpoint's entries: strings as stored, tensors as bytes."""
    h = hashlib.sha256()
    for key in ("format", "model_class", "model_config", "metadata"):
        h.update(json.dumps([key, obj.get(key)]).encode())
    for name, tensor in sorted(obj["state_dict"].items()):
        t = tensor.detach().cpu().contiguous()
        h.update(json.dumps([name, str(t.dtype), list(t.shape)]).encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy())
    return h.hexdigest()


def _verify(obj, path: Path, where: str, required: bool) -> None:
    """ValueError unless a checkpoint's ``sha256`` matches its contents."""
    stored = obj.get("sha256") if "format" in obj else ""  # "": a bare state_dict
    if stored is None and required:
        raise ValueError(
            f"{where}: {path} has no sha256 digest (saved by an older gdl_utils, or"
            " removed), so its stored constructor arguments are not trusted: build the"
            " model yourself and call load_checkpoint(model, path), then save it again"
        )
    if stored and stored != _digest(obj):
        raise ValueError(
            f"{where}: {path} fails its integrity check: the sha256 {str(stored)[:16]}"
            "... stored when it was saved does not match its contents (model_class,"
            " model_config, metadata or state_dict edited after saving)"
        )


def _load(path: Path, where: str):
    """``torch.load(weights_only=True)``; a ValueError naming the file on failure."""
    if path.stat().st_size == 0:
        raise ValueError(f"{where}: {path} is empty, not a checkpoint")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        if not zipfile.is_zipfile(path):  # torch.save writes a zip archive
            why = "not a zip archive as torch.save writes: truncated or another file"
        elif isinstance(err, pickle.UnpicklingError):
            why = "it holds Python objects that weights_only=True refuses to unpickle"
        else:
            why = f"{type(err).__name__}: {str(err).strip()[:200]}"
        raise ValueError(
            f"{where}: {path} is not a readable checkpoint ({why})"
        ) from err


def _json(text):
    """Parsed JSON, None for an empty string, or the error message as a str."""
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError) as err:
        return f"{type(err).__name__}: {err}"
    except RecursionError:
        return "nested too deep to parse"


def _read(path: str | Path, where: str):
    """(state_dict, config or None, class name or None, metadata, path, the dict)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{where}: no checkpoint file at {path}")
    obj = _load(path, where)
    tensors = isinstance(obj, dict) and all(map(torch.is_tensor, obj.values()))
    if tensors and obj:  # a bare state_dict: torch.save(model.state_dict(), path)
        return obj, None, None, {}, path, {}
    if not (isinstance(obj, dict) and obj.get("format") in (FORMAT, OLD_FORMAT)):
        keys = f" with keys {list(obj)[:5]}" if isinstance(obj, dict) else ""
        raise ValueError(
            f"{where}: {path} holds a {type(obj).__name__}{keys}, not a gdl_utils"
            " checkpoint or a state_dict"
        )
    state, cls = obj.get("state_dict"), obj.get("model_class")
    metadata, config = _json(obj.get("metadata", "{}")), _json(obj.get("model_config"))
    tensors = isinstance(state, dict) and all(map(torch.is_tensor, state.values()))
    problems = [
        "" if tensors else "state_dict is not a dict of tensors",
        "" if isinstance(cls, str) else "model_class is not a str",
        "" if isinstance(metadata, dict) else "metadata is not a JSON object",
        "" if config is None or isinstance(config, dict) else f"model_config: {config}",
    ]
    if any(problems):
        raise ValueError(
            f"{where}: {path} is a damaged {obj['format']} file:"
            f" {'; '.join(p for p in problems if p)}"
        )
    return state, config, cls, metadata, path, obj


def _check_compatible(
    model: nn.Module, state: dict, path: Path, saved_class: str | None, where: str
) -> None:
    """Raise a ValueError listing missing / unexpected keys and shape mismatches."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong_shape = [
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected
        if k in state and tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    labels = ("missing from checkpoint", "not in model", "shape mismatch")
    problems = [
        f"{label}: {items[:5]}{' ...' if len(items) > 5 else ''}"
        for label, items in zip(labels, (missing, unexpected, wrong_shape))
        if items
    ]
    if problems:
        saved = f" (saved from a {saved_class})" if saved_class else ""
        raise ValueError(
            f"{where}: {path}{saved} does not fit this {type(model).__name__}: "
            + "; ".join(problems)
            + ". Rebuild the model with the constructor arguments it was trained with."
        )


def load_checkpoint(
    model: nn.Module, path: str | Path, device: str | torch.device | None = None
) -> dict[str, Any]:
    """Load the weights in ``path`` into ``model`` (in place) and return the saved
    metadata.

    Uses ``torch.load(path, map_location=..., weights_only=True)``: only tensors and
    plain Python values are unpickled. A bare ``state_dict`` written with
    ``torch.save(model.state_dict(), path)`` also loads (with empty metadata).

    Parameters
    ----------
    model : torch.nn.Module with the same architecture as the one saved
    path : str or Path, a file written by :func:`save_checkpoint`
    device : where to put the model afterwards (default: where it is now)

    Returns the metadata given to :func:`save_checkpoint` (a dict). Raises
    ``FileNotFoundError`` if ``path`` does not exist, ``ValueError`` if the file is not
    a readable checkpoint, fails its digest, or its parameter names or shapes do not
    match ``model`` (all differences are listed).

    Used in: appendix on reproducibility.
    """
    state, _, saved_class, metadata, path, obj = _read(path, "load_checkpoint")
    _verify(obj, path, "load_checkpoint", required=False)
    target = torch.device(device) if device is not None else model_device(model)
    _check_compatible(model, state, path, saved_class, "load_checkpoint")
    model.load_state_dict(state)
    model.to(target)
    return metadata


def load_model(path: str | Path, device: str | torch.device | None = None) -> nn.Module:
    """Rebuild the model saved in ``path`` from its stored constructor arguments, with
    its weights.

    Parameters
    ----------
    path : str or Path, written by :func:`save_checkpoint` for a registered model class
    device : where to put the model; default CPU

    Returns an ``nn.Module`` in ``eval()`` mode, ready for
    :func:`gdl_utils.training.predict`, with the saved metadata in its
    ``checkpoint_metadata`` attribute.

    Raises ``FileNotFoundError`` if ``path`` does not exist, ``ValueError`` if the file
    is not a readable checkpoint, holds no constructor arguments (a bare state_dict, or
    a class that was not registered: use :func:`load_checkpoint`), names a class not
    registered in this session, has no digest or fails it, or stores arguments that the
    class does not take or that do not build its stored weights (checked before anything
    is built; see the module docstring).

    Used in: chapter 7 (pretrained models reused in chapters 8 and 9), appendix on
    reproducibility.
    """
    state, config, saved_class, metadata, path, obj = _read(path, "load_model")
    if config is None:
        what = f"a {saved_class}" if saved_class else "a bare state_dict"
        raise ValueError(
            f"load_model: {path} holds {what} without constructor arguments; build"
            " the model yourself and call load_checkpoint(model, path)"
        )
    stored = sum(t.numel() for t in state.values())
    try:  # nothing is built before the arguments are checked
        check_config(config, max_int=max(stored, MIN_INT_BOUND))
        _verify(obj, path, "load_model", required=True)
        try:  # the shapes first, on the meta device (no memory)
            shapes = build_model(config, device="meta")
        except (RuntimeError, NotImplementedError):  # a constructor that needs values
            shapes = None  # (none in gdl_utils.models); the integer bound still holds
        if shapes is not None:
            _check_compatible(shapes, state, path, saved_class, "load_model")
            built = sum(t.numel() for t in [*shapes.parameters(), *shapes.buffers()])
            if built > stored + max(4 * stored, 2**24):  # non-persistent buffers
                raise ValueError(
                    f"its {saved_class} would hold {built} numbers; {stored} are stored"
                )
        model = build_model(config)
        _check_compatible(model, state, path, saved_class, "load_model")
    except ValueError as err:
        raise ValueError(
            str(err) if str(path) in str(err) else f"load_model: {path}: {err}"
        ) from err
    model.load_state_dict(state)
    model.checkpoint_metadata = metadata
    return model.to(torch.device(device) if device is not None else "cpu").eval()
