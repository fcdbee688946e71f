"""Multi-view learning (chapter 9): several tables measured on the same samples.

- :mod:`~gdl_utils.multiview.views`: ``check_views`` (the views line up, no NaN),
  ``BlockScaler`` (standardise, then weight each view equally: early fusion).
- :mod:`~gdl_utils.multiview.fusion`: ``late_fusion`` (combine per-view predicted
  probabilities) and ``repeated_view_cv`` (every method fitted inside each fold of a
  repeated stratified cross-validation).
- :mod:`~gdl_utils.multiview.cca`: ``RidgeCCA`` (CCA with a ridge, by whitening and one
  SVD) and ``canonical_correlations`` (of held-out projections).

The intermediate-fusion network is :class:`gdl_utils.models.MultiViewNet`. Layer:
chapter pipelines (imports data, models and learning).
"""

from .cca import RidgeCCA, canonical_correlations
from .fusion import late_fusion, repeated_view_cv
from .views import BlockScaler, check_views

__all__ = [
    "BlockScaler",
    "RidgeCCA",
    "canonical_correlations",
    "check_views",
    "late_fusion",
    "repeated_view_cv",
]
