"""Training and prediction for every model family, and what surrounds them.

- :mod:`~gdl_utils.training.loop`: :func:`fit`, one readable loop. How a batch becomes a
  loss is up to the model or a small ``step(model, batch)`` function (d2l's
  ``training_step``, nanoGPT's ``(logits, loss)``), so a CTC batch, a VAE, a graph or a
  language model all train through the same loop; plain ``(x, y)`` batches with a
  ``loss_fn`` need neither.
- :mod:`~gdl_utils.training.epoch`: one pass over a data set (the loss, the logged
  scalars, validation), which ``fit`` repeats.
- :mod:`~gdl_utils.training.schedules`: learning-rate schedules for
  ``fit(lr_schedule=...)``: :func:`warmup_cosine`, :func:`one_cycle`.
- :mod:`~gdl_utils.training.history`: :class:`History`, what ``fit`` recorded per epoch.
- :mod:`~gdl_utils.training.batches`: :func:`make_loader` and the input checks.
- :mod:`~gdl_utils.training.inference`: :func:`predict` for any batch structure.
- :mod:`~gdl_utils.training.checkpoint`: :func:`save_checkpoint`, :func:`load_model`
  (rebuilds any registered model), :func:`load_checkpoint`.
- :mod:`~gdl_utils.training.focal`: :class:`FocalLoss` (Lin et al. 2017), binary
  cross-entropy that down-weights easy examples.
- :mod:`~gdl_utils.training.sampling`: :func:`oversampling_loader`, a loader that
  draws the rare class more often, and :func:`oversampling_weight`, the odds factor
  it implies.
- :mod:`~gdl_utils.training.crossval`: :func:`cross_val_predict`, a fresh seeded model
  per fold.
- :mod:`~gdl_utils.training.distributed`: the ``torchrun`` pieces (``init_distributed``,
  ``is_main_process``, gradient averaging) that ``fit`` uses.

Layer: learning. Devices, seeds, threads and precision are in :mod:`gdl_utils.runtime`
(the one place to import ``get_device`` and ``set_seed`` from).
"""

from .batches import make_loader
from .checkpoint import load_checkpoint, load_model, save_checkpoint
from .crossval import cross_val_predict
from .distributed import (
    DistInfo,
    all_reduce_sum,
    average_gradients,
    broadcast_parameters,
    cleanup_distributed,
    init_distributed,
    is_distributed,
    is_main_process,
    world_size,
)
from .focal import FocalLoss
from .history import History
from .inference import predict
from .loop import fit
from .sampling import oversampling_loader, oversampling_weight
from .schedules import one_cycle, warmup_cosine

__all__ = [
    "DistInfo",
    "FocalLoss",
    "History",
    "all_reduce_sum",
    "average_gradients",
    "broadcast_parameters",
    "cleanup_distributed",
    "cross_val_predict",
    "fit",
    "init_distributed",
    "is_distributed",
    "is_main_process",
    "load_checkpoint",
    "load_model",
    "make_loader",
    "one_cycle",
    "oversampling_loader",
    "oversampling_weight",
    "predict",
    "save_checkpoint",
    "warmup_cosine",
    "world_size",
]
