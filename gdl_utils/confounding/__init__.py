"""Confounding: when a nuisance variable (the processing batch) predicts the label.

- :mod:`~gdl_utils.confounding.combat`: ComBat's location/scale batch correction with
  empirical-Bayes shrinkage, written out (:class:`LocationScale`, ``fit`` /
  ``transform`` for in-fold use) and the maintained pyComBat in the course's layout
  (:func:`combat`);
- :mod:`~gdl_utils.confounding.evaluation`: folds that keep or hold out batches, the
  batch-only baseline, cross-validation with in-fold correction, the random-label
  control.

Layer: chapter pipelines (uses scikit-learn and inmoose). Import public names from
here, e.g. ``from gdl_utils.confounding import LocationScale``.
"""

from .combat import LocationScale, combat
from .evaluation import (
    batch_folds,
    batch_only_predictions,
    check_labels,
    cv_predict,
    disagreeing,
    leave_group_out,
    random_label_control,
    screened_logistic,
)

__all__ = [
    "LocationScale",
    "batch_folds",
    "batch_only_predictions",
    "check_labels",
    "combat",
    "cv_predict",
    "disagreeing",
    "leave_group_out",
    "random_label_control",
    "screened_logistic",
]
