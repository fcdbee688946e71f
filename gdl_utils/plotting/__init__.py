"""Figures in one style: the course's seaborn style, learning curves, confusion
matrices, sequence logos (:mod:`.style`), and ROC / precision-recall curves of
several models (:mod:`.curves`).

Layer: floor (imports nothing from the package but ``_util``). Import public names
from here, e.g. ``from gdl_utils.plotting import ...``; the API appendix lists them.
"""

from .curves import (
    plot_roc_pr,
)
from .style import (
    DPI,
    LOGO_KINDS,
    MAX_WIDTH_IN,
    logo_frame,
    plot_confusion,
    plot_history,
    plot_logo,
    set_style,
)

__all__ = [
    "DPI",
    "LOGO_KINDS",
    "MAX_WIDTH_IN",
    "logo_frame",
    "plot_confusion",
    "plot_history",
    "plot_logo",
    "plot_roc_pr",
    "set_style",
]
