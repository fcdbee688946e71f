"""Training and prediction for every model family: ``fit``, ``predict``,
``make_loader``.

- :mod:`~gdl_utils.training.loop`: :func:`fit`, one readable loop. How a batch becomes a
  loss is up to the model or a small ``step(model, batch)`` function (d2l's
  ``training_step``, nanoGPT's ``(logits, loss)``), so a CTC batch, a VAE, a graph or a
  masked language model all train through the same loop; plain ``(x, y)`` batches with a
  ``loss_fn`` need neither.
- :mod:`~gdl_utils.training.history`: :class:`History`, what ``fit`` recorded per epoch.
- :mod:`~gdl_utils.training.batches`: :func:`make_loader` and the input checks.
- :mod:`~gdl_utils.training.inference`: :func:`predict` for any batch structure.

Devices, seeds, threads and precision are in :mod:`gdl_utils.runtime`; ``torchrun``
helpers in :mod:`gdl_utils.distributed`; checkpoints in :mod:`gdl_utils.checkpoint`.
"""

from ..runtime import get_device, set_seed
from .batches import make_loader
from .history import History
from .inference import predict
from .loop import fit

__all__ = ["History", "fit", "get_device", "make_loader", "predict", "set_seed"]
