"""Save and load model weights with a little JSON metadata.

A checkpoint is a plain dictionary written with :func:`torch.save`::

    {"format": "gdl_utils-checkpoint-v1", "model_class": "DeepBind",
     "state_dict": {name: tensor, ...}, "metadata": '{"epoch": 12, ...}'}

It holds only tensors, strings and numbers, so it is read back with ``torch.load(..., weights_only=True)``,
which refuses to run arbitrary pickled code. The architecture is *not* stored: rebuild the model with the
same constructor arguments (keep them in the metadata) and load the weights into it.

Used in: chapters 2 and 3 (saving trained models), appendix on reproducibility.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

FORMAT = "gdl_utils-checkpoint-v1"

__all__ = ["save_checkpoint", "load_checkpoint"]


def _model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for a model without any)."""
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return torch.device("cpu")


def save_checkpoint(model: nn.Module, path: str | Path, **metadata: Any) -> Path:
    """Write ``model.state_dict()`` and JSON-able ``metadata`` to ``path``.

    Parameters
    ----------
    model : torch.nn.Module
        The model whose parameters and buffers are saved (moved to CPU in the file, so a checkpoint
        written on a GPU loads on a laptop).
    path : str or Path
        Destination file (parent folders are created); the conventional suffix is ``.pt``.
    **metadata
        Anything :func:`json.dumps` accepts: constructor arguments, epoch, validation scores, seed, ...

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If a metadata value is not JSON-serialisable (the key is named).

    Used in: chapters 2 and 3.
    """
    for key, value in metadata.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"save_checkpoint: metadata {key!r} = {value!r} (type {type(value).__name__}) is not "
                f"JSON-serialisable; convert it (e.g. float(x), x.tolist()) before saving"
            ) from err
    state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "format": FORMAT,
            "model_class": type(model).__name__,
            "state_dict": state,
            "metadata": json.dumps(metadata),
        },
        path,
    )
    return path


def _check_compatible(model: nn.Module, state: dict, path: Path, saved_class: str | None) -> None:
    """Raise a ValueError listing missing / unexpected keys and shape mismatches."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong_shape = [
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected
        if k in state and tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if not (missing or unexpected or wrong_shape):
        return
    problems = []
    if missing:
        problems.append(f"missing from checkpoint: {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    if unexpected:
        problems.append(f"not in model: {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}")
    if wrong_shape:
        problems.append(f"shape mismatch: {wrong_shape[:5]}{' ...' if len(wrong_shape) > 5 else ''}")
    saved = f" (saved from a {saved_class})" if saved_class else ""
    raise ValueError(
        f"load_checkpoint: {path}{saved} does not fit this {type(model).__name__}: "
        + "; ".join(problems)
        + ". Rebuild the model with the constructor arguments it was trained with."
    )


def load_checkpoint(
    model: nn.Module, path: str | Path, device: str | torch.device | None = None
) -> dict[str, Any]:
    """Load the weights in ``path`` into ``model`` (in place) and return the saved metadata.

    Uses ``torch.load(path, map_location=..., weights_only=True)``: only tensors and plain Python values
    are unpickled. A bare ``state_dict`` written with ``torch.save(model.state_dict(), path)`` also loads
    (with empty metadata).

    Parameters
    ----------
    model : torch.nn.Module
        A model with the same architecture as the one saved.
    path : str or Path
        A file written by :func:`save_checkpoint`.
    device : str or torch.device, optional
        Where to put the model afterwards; default: leave it on the device it is on now.

    Returns
    -------
    dict
        The metadata given to :func:`save_checkpoint`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a checkpoint, or its parameter names or shapes do not match ``model``
        (all differences are listed).

    Used in: chapters 2 and 3.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file at {path}")
    target = torch.device(device) if device is not None else _model_device(model)
    obj = torch.load(path, map_location=target, weights_only=True)
    if isinstance(obj, dict) and obj.get("format") == FORMAT:
        state, metadata, saved_class = obj["state_dict"], json.loads(obj["metadata"]), obj["model_class"]
    elif isinstance(obj, dict) and all(isinstance(v, torch.Tensor) for v in obj.values()):
        state, metadata, saved_class = obj, {}, None
    else:
        raise ValueError(
            f"load_checkpoint: {path} holds a {type(obj).__name__}, not a gdl_utils checkpoint or a "
            f"state_dict"
        )
    _check_compatible(model, state, path, saved_class)
    model.load_state_dict(state)
    model.to(target)
    return metadata
