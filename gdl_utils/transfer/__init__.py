"""Transfer and multi-task learning (chapter 9): when sharing pays, and when it hurts.

- :mod:`~gdl_utils.transfer.sigma`: the σ-factor subsets of the *E. coli* promoter
  benchmark, k-mer overlap between sets, and source/target splits checked for leaks.
- :mod:`~gdl_utils.transfer.surgery`: trunk/head surgery on a trained model (zero-shot,
  keep the head, fresh head, linear probe on frozen features).
- :mod:`~gdl_utils.transfer.curves`: learning curves (methods × N × seeds → a tidy
  frame) and nested subsamples.
- :mod:`~gdl_utils.transfer.multitask`: the masked multi-head loss, its batches and
  ``fit`` step, and the cosine between tasks' gradients on a shared trunk.

Layer: chapter pipelines (imports data, models, learning).
"""

from .curves import curve_summary, learning_curve, nested_sample
from .multitask import (
    MaskedBatch,
    MaskedStep,
    gradient_cosine,
    masked_bce,
    masked_loader,
    task_gradients,
)
from .sigma import (
    SIGMAS,
    assign_parts,
    check_no_leak,
    drop_crossing,
    load_sigma_promoters,
    shares_kmer,
)
from .surgery import SURGERIES, head_layer, trainable_names, transfer_model

__all__ = [
    "SIGMAS",
    "SURGERIES",
    "MaskedBatch",
    "MaskedStep",
    "assign_parts",
    "check_no_leak",
    "curve_summary",
    "drop_crossing",
    "gradient_cosine",
    "head_layer",
    "learning_curve",
    "load_sigma_promoters",
    "masked_bce",
    "masked_loader",
    "nested_sample",
    "shares_kmer",
    "task_gradients",
    "trainable_names",
    "transfer_model",
]
