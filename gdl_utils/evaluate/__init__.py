"""Measuring models: classification metrics (:mod:`.classification`), per-task and
regression tables (:mod:`.reports`), and learned representations (:mod:`.latent`).

Layer: learning. Import public names from here, e.g.
``from gdl_utils.evaluate import ...``; the API appendix lists them.
"""

from .classification import (
    accuracy,
    mcc,
    per_class_error,
    pos_weight,
    pr_auc,
    roc_auc,
)
from .latent import (
    active_units,
    correlation_agreement,
    knn_label_scores,
    masked_mse,
    principal_angles,
)
from .reports import (
    multitask_report,
    regression_report,
)

__all__ = [
    "accuracy",
    "active_units",
    "correlation_agreement",
    "knn_label_scores",
    "masked_mse",
    "mcc",
    "multitask_report",
    "per_class_error",
    "pos_weight",
    "pr_auc",
    "principal_angles",
    "regression_report",
    "roc_auc",
]
