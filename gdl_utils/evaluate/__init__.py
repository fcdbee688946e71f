"""Measuring models: classification metrics (:mod:`.classification`), calibration of
predicted probabilities (:mod:`.calibration`), per-task and regression tables
(:mod:`.reports`), and learned representations (:mod:`.latent`).

Layer: learning. Import public names from here, e.g.
``from gdl_utils.evaluate import ...``; the API appendix lists them.
"""

from .calibration import (
    brier_score,
    expected_calibration_error,
    prior_correction,
    reliability_bins,
    threshold_for_precision,
)
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
    "brier_score",
    "correlation_agreement",
    "expected_calibration_error",
    "knn_label_scores",
    "masked_mse",
    "mcc",
    "multitask_report",
    "per_class_error",
    "pos_weight",
    "pr_auc",
    "principal_angles",
    "prior_correction",
    "regression_report",
    "reliability_bins",
    "roc_auc",
    "threshold_for_precision",
]
