"""From arrays to batches: ``make_loader`` and the input checks of ``fit`` and
``predict``.

- :func:`make_loader` turns ``(X, y)`` arrays into a ``DataLoader`` of ``(x, y)``
  batches; under ``torchrun`` each process gets its own shard (``DistributedSampler``).
- :func:`as_loader`: what ``fit`` accepts as a data set (arrays, a DataLoader, a list of
  batches), with the checks below.
- :func:`input_dtype`: one-hot DNA stored as int8 / uint8 / bool (the compact dtypes of
  :func:`gdl_utils.one_hot`) becomes float32 for a network without embeddings.
- :func:`check_binary_labels`: labels outside [0, 1] for a binary cross-entropy loss
  ({0, 2} or {-1, 1}) are a coding mistake that would train silently.
- :func:`match_target`: the target rule of the plain ``(x, y)`` path.
- :func:`batch_len`: the rows of any nested batch (to weight per-batch losses).

Used in: chapter 2 on (through ``fit`` and ``predict``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
)
from torch.utils.data.distributed import DistributedSampler

from . import distributed as dist

__all__ = [
    "as_loader",
    "batch_len",
    "check_binary_labels",
    "input_dtype",
    "make_loader",
    "match_target",
]
_ONE_HOT_DTYPES = (np.int8, np.uint8, np.bool_, torch.int8, torch.uint8, torch.bool)
ENCODE_FIRST = "encode sequences first, e.g. gdl_utils.one_hot(seqs) -> (N, 4, L)"


def _as_tensor(a, *, is_target: bool, where: str, dtype=None) -> torch.Tensor:
    """float -> float32; integer -> int64; bool -> float32 (inputs) or int64
    (targets)."""
    if not isinstance(a, torch.Tensor):
        a = np.asarray(a)
        if a.dtype.kind in "USO":
            first = repr(a.flat[0])[:30] if a.size else "none"
            raise TypeError(
                f"{where} is a {a.dtype} array of shape {a.shape} (first item {first});"
                f" a network takes numbers: {ENCODE_FIRST}"
            )
    t = torch.as_tensor(a)
    if dtype is not None or t.is_floating_point():
        return t.to(dtype or torch.float32)
    return t.long() if (is_target or t.dtype != torch.bool) else t.float()


def make_loader(
    X,
    y=None,
    *,
    batch_size: int = 128,
    shuffle: bool = False,
    seed: int | None = None,
    pin_memory: bool = False,
    distributed: bool | None = None,
    x_dtype: torch.dtype | None = None,
) -> DataLoader:
    """A ``DataLoader`` over arrays/tensors yielding ``(x, y)`` batches (``(x,)``
    without y).

    Parameters
    ----------
    X : (N, ...) array or tensor, e.g. (N, 4, L) one-hot DNA (float -> float32) or (N,
        L) token ids (integer -> int64)
    y : (N,) or (N, T) array or tensor, optional; float -> float32, integer/bool ->
        int64
    shuffle : reshuffle every epoch; ``seed`` seeds the loader's own generator
    pin_memory : page-locked batches for asynchronous copies to a GPU
    distributed : each ``torchrun`` process gets its own shard (``DistributedSampler``,
        shuffled with ``seed``; ``fit`` calls its ``set_epoch``); None: exactly when a
        process group of several processes is running
    x_dtype : dtype of the ``x`` batches instead of the rule above (see
        :func:`input_dtype`)

    Raises ``TypeError`` for text (encode it first), ``ValueError`` for unequal row
    counts.

    Used in: chapter 2 on.
    """
    tensors = [_as_tensor(X, is_target=False, where="make_loader: X", dtype=x_dtype)]
    if y is not None:
        tensors.append(_as_tensor(y, is_target=True, where="make_loader: y"))
        (nx, ny), (sx, sy) = map(len, tensors), [tuple(t.shape) for t in tensors]
        if nx != ny:
            raise ValueError(
                f"make_loader: X has {nx} rows (shape {sx}) but y has {ny} (shape {sy})"
            )
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    dataset = TensorDataset(*tensors)
    if dist.is_distributed() if distributed is None else distributed:
        order = DistributedSampler(dataset, shuffle=shuffle, seed=seed or 0)
    elif shuffle:
        order = RandomSampler(dataset, generator=generator)
    else:
        order = SequentialSampler(dataset)
    # Index whole batches at once (tensor[list_of_indices]) instead of collating one row
    # at a time: the same batches as DataLoader(shuffle=...), several times faster.
    batches = BatchSampler(order, batch_size, drop_last=False)
    pin = pin_memory and tensors[0].device.type == "cpu"
    return DataLoader(
        dataset, sampler=batches, batch_size=None, generator=generator, pin_memory=pin
    )


def input_dtype(model: nn.Module, X) -> torch.dtype | None:
    """float32 for an int8 / uint8 / bool ``X`` and a model without embeddings, else
    None.

    One-hot DNA stored compactly must become float for a convolution; integer token ids
    for an ``nn.Embedding`` must stay integers (None keeps :func:`make_loader`'s rule).

    Used in: gdl_utils.training.fit and predict.
    """
    if getattr(X, "dtype", None) not in _ONE_HOT_DTYPES:
        return None
    embedding = (nn.Embedding, nn.EmbeddingBag)
    return (
        None
        if any(isinstance(m, embedding) for m in model.modules())
        else torch.float32
    )


def check_binary_labels(loss_fn, y, where: str) -> None:
    """``ValueError`` if ``loss_fn`` is a BCE loss and ``y`` has values outside [0, 1].

    Targets in [0, 1] are 0/1 classes or probabilities (soft labels); NaN is refused
    too.

    Used in: gdl_utils.training.fit.
    """
    if not isinstance(loss_fn, (nn.BCEWithLogitsLoss, nn.BCELoss)):
        return
    y = y.detach().cpu() if isinstance(y, torch.Tensor) else y
    y = np.asarray(y, dtype=np.float64)
    bad = np.unique(y[~((y >= 0) & (y <= 1))])
    if bad.size:
        raise ValueError(
            f"fit: {where} labels must lie in [0, 1] for {type(loss_fn).__name__},"
            f" found {bad[:5].tolist()} among {np.unique(y)[:5].tolist()};"
            " recode them to 0/1"
        )


def as_loader(
    data, name: str, model, loss_fn, batch_size, shuffle, seed, pin, distributed
):
    """A data set for ``fit``: ``(X, y)`` arrays -> :func:`make_loader` (labels checked
    for a BCE ``loss_fn``, int8 one-hot made float); a DataLoader or list of batches as
    it is.

    Used in: gdl_utils.training.fit.
    """
    if (
        isinstance(data, tuple)
        and len(data) == 2
        and all(map(hasattr, data, ["__len__"] * 2))
    ):
        check_binary_labels(loss_fn, data[1], name)
        return make_loader(
            *data,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            pin_memory=pin,
            distributed=distributed,
            x_dtype=input_dtype(model, data[0]),
        )
    if isinstance(data, (tuple, np.ndarray, torch.Tensor, str)) or not hasattr(
        data, "__iter__"
    ):
        raise ValueError(
            f"fit: {name} must be an (X, y) tuple of arrays, a DataLoader or a list of"
            f" batches, got {type(data).__name__}"
        )
    return data


def match_target(y: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The target rule: a ``y`` with as many elements as ``out`` (BCE on (N, 1) or (N,
    T) logits, MSE) is reshaped to ``out.shape`` and made float; otherwise (``out`` (N,
    C), ``y`` (N,), cross-entropy) it becomes int64 class indices.

    Used in: gdl_utils.training.fit.
    """
    if y.numel() != out.numel():
        return y.long()
    y = y.view(out.shape) if y.is_contiguous() else y.reshape(out.shape)
    wide = out.dtype in (torch.float32, torch.float64)  # not bf16/fp16 under autocast
    dtype = out.dtype if wide else torch.float32
    return y if y.dtype == dtype else y.to(dtype)


def batch_len(batch) -> int:
    """Rows of a nested batch: the first dimension of its first tensor (1 if it has
    none).

    Used in: gdl_utils.training.fit (losses are averaged over batches weighted by rows).
    """
    if isinstance(batch, torch.Tensor):
        return batch.shape[0] if batch.dim() else 1
    if isinstance(batch, dict):
        batch = list(batch.values())
    if not isinstance(batch, (tuple, list)):
        return 1
    nested = (torch.Tensor, tuple, list, dict)
    return next((batch_len(b) for b in batch if isinstance(b, nested)), 1)
