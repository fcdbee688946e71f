"""Scale evidence: the course's models at larger, named settings (:mod:`.presets`),
run by ``python -m gdl_utils.scale SECTION --preset NAME`` and stored with their
provenance as JSON (:mod:`.results`); pages read them with :func:`load_result`, which
refuses a result that no longer matches its preset.

Layer: reading models and chapter pipelines. Import public names from here, e.g.
``from gdl_utils.scale import load_result``.
"""

from .presets import (
    PRESETS,
    BasecallerPreset,
    FinetunePreset,
    PretrainPreset,
    PUM2Preset,
    get_preset,
    preset_settings,
)
from .results import (
    REQUIRED_KEYS,
    StaleResultError,
    load_result,
    result_path,
    results_dir,
    write_result,
)

__all__ = [
    "PRESETS",
    "PUM2Preset",
    "REQUIRED_KEYS",
    "BasecallerPreset",
    "FinetunePreset",
    "PretrainPreset",
    "StaleResultError",
    "get_preset",
    "load_result",
    "preset_settings",
    "result_path",
    "results_dir",
    "write_result",
]
