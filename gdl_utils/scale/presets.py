"""Named presets of the scale runs: one frozen dataclass per section, one instance per
preset (``smoke`` for the tests, ``cpu-long`` for one CPU core, ``gpu`` for one
H100-class GPU).

A stored result (``gdl_utils/scale/stored/<section>-<preset>.json``) records the
preset's values under ``settings``; :func:`gdl_utils.scale.load_result` refuses a result
whose settings differ from the preset here, so a changed preset makes its stored number
stale until the run is repeated.

Used in: no notebook directly (``python -m gdl_utils.scale``; the pages read the stored
results with ``load_result``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = [
    "BasecallerPreset",
    "FinetunePreset",
    "PretrainPreset",
    "PUM2Preset",
    "PRESETS",
    "get_preset",
    "preset_settings",
]


@dataclass(frozen=True)
class BasecallerPreset:
    """Section 4.3: CTC basecallers on the held-out region of notebook 04c.

    Attributes
    ----------
    models : ``(name, conv_channels, hidden, seeds)`` per model; every model is trained
        with the same schedule, one run per seed
    epoch_lrs : learning rate of each epoch (Adam; its length is the number of epochs)
    eval_every : epochs between two measurements of the test identity (and the last)
    chunk_len, batch_size, test_start, train_end, val_region : as in notebook 04c
    beam_size : beam width of the final decoding
    max_train_chunks : use only the first chunks of the training part (smoke runs)
    clip_grad_norm : gradient-norm clipping (a guard for the longer schedule)

    Used in: no notebook directly (``python -m gdl_utils.scale 4.3``).
    """

    models: tuple = (("bigru128", (16, 32, 128), 128, (0, 1, 2)),)
    epoch_lrs: tuple = (1e-2,) * 5 + (3e-3,) * 2 + (1e-3,) * 2
    eval_every: int = 3
    chunk_len: int = 1_000
    batch_size: int = 48
    test_start: int = 38_800
    train_end: int = 38_780
    val_region: tuple = (34_000, 36_000)
    beam_size: int = 5
    max_train_chunks: int | None = None
    clip_grad_norm: float | None = 5.0


@dataclass(frozen=True)
class PretrainPreset:
    """Section 7.3: causal transformers of several sizes on the E. coli genome, held-out
    bits per base after several training budgets.

    Each size is trained once with a constant learning rate for ``epochs[-1]`` epochs;
    the held-out bits per base are measured after each epoch in ``epochs``, so a
    budget's number is what a run stopped there would give (same batches, same rate).

    Attributes
    ----------
    sizes : ``(name, d_model, n_layers, n_heads, lr)`` per model size
    epochs : the budgets, in epochs of ``windows_per_epoch`` windows of ``window``
        tokens
    seed : the one seed (weights and windows)
    held_out : the region of notebook 07c that no training window touches
    block : bases per block of the stored per-block mean bits (for recomputing the
        held-out score on a subset of positions, e.g. without repeats)
    checkpoint : save the largest size at its last budget next to the result

    Used in: no notebook directly (``python -m gdl_utils.scale 7.3``).
    """

    sizes: tuple = (
        ("d32-l2", 32, 2, 2, 1e-2),
        ("d64-l2", 64, 2, 4, 1e-2),
        ("d96-l3", 96, 3, 4, 3e-3),
    )
    epochs: tuple = (2, 6)
    windows_per_epoch: int = 9_600
    window: int = 64
    batch_size: int = 64
    seed: int = 0
    held_out: tuple = (4_000_000, 4_050_000)
    block: int = 100
    checkpoint: bool = True
    clip_grad_norm: float = 1.0


@dataclass(frozen=True)
class PUM2Preset:
    """Section 4.2: CNN, DanQ and BiLSTM on PUM2 (notebook 04b), each trained until the
    validation loss stops improving (early stopping, best weights kept), on several
    seeds.

    Attributes
    ----------
    models : which of "CNN", "DanQ", "BiLSTM" to train
    seeds : one run per model and seed
    n_filters, kernel_size, cnn_hidden : first convolution (CNN and DanQ), CNN dense
    pool_size, hidden : DanQ's pooling; LSTM units per direction (BiLSTM and DanQ)
    max_epochs, patience : early stopping on the validation loss
    lr, batch_size : Adam settings, as in notebook 04b
    max_train : use only the first sequences of the training part (smoke runs)

    Used in: no notebook directly (``python -m gdl_utils.scale 4.2``).
    """

    models: tuple = ("CNN", "DanQ", "BiLSTM")
    seeds: tuple = (0, 1, 2)
    n_filters: int = 32
    kernel_size: int = 11
    cnn_hidden: int = 32
    pool_size: int = 4
    hidden: int = 16
    max_epochs: int = 40
    patience: int = 4
    lr: float = 3e-3
    batch_size: int = 256
    max_train: int | None = None


@dataclass(frozen=True)
class FinetunePreset:
    """Section 7.4: notebook 07d's fine-tuning protocol (iPromoter-2L, distinct-sequence
    stratified folds, mean-pooled linear head, AdamW schedule) from several starts.

    Attributes
    ----------
    starts : which of "07d pretraining", "07d architecture, random", "7.3 checkpoint",
        "7.3 architecture, random" to fine-tune
    n_folds, seeds_per_fold : folds of 07d's split; fine-tunings per fold (seed
        ``seed + fold + rep * n_folds``: rep 0 is 07d's seed of the fold)
    k, window, d_model, n_layers, n_heads : 07d's 3-mer model
    pre_windows, pre_epochs, pre_lr : 07d's short pretraining (whole genome)
    ft_epochs, ft_lr, batch_size : 07d's fine-tuning schedule
    checkpoint_preset : the 7.3 preset whose stored checkpoint is a start
    seed : seed of the folds, the pretraining and the first fine-tuning
    max_bench : a stratified subset of this many sequences (smoke runs); None: all

    Used in: no notebook directly (``python -m gdl_utils.scale 7.4``).
    """

    starts: tuple = (
        "07d pretraining",
        "07d architecture, random",
        "7.3 checkpoint",
        "7.3 architecture, random",
    )
    n_folds: int = 3
    seeds_per_fold: int = 1
    k: int = 3
    window: int = 32
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    pre_windows: int = 6_400
    pre_epochs: int = 3
    pre_lr: float = 1e-2
    ft_epochs: int = 3
    ft_lr: float = 1e-3
    batch_size: int = 64
    checkpoint_preset: str = "cpu-long"
    seed: int = 0
    max_bench: int | None = None


PRESETS: dict = {
    "4.3": {
        "smoke": BasecallerPreset(
            models=(("tiny", (4, 8, 16), 16, (0,)),),
            epoch_lrs=(1e-2, 1e-3),
            eval_every=1,
            beam_size=2,
            max_train_chunks=96,
        ),  # fmt: skip
        "cpu-long": BasecallerPreset(),
        "gpu": BasecallerPreset(
            models=(
                ("bigru128", (16, 32, 128), 128, (0, 1, 2)),
                ("bigru256", (16, 64, 256), 256, (0, 1, 2)),
            ),
            epoch_lrs=(1e-2,) * 20 + (1e-3,) * 4,
            eval_every=4,
        ),  # fmt: skip
    },
    "7.3": {
        "smoke": PretrainPreset(
            sizes=(("d16-l1", 16, 1, 2, 1e-2), ("d32-l1", 32, 1, 2, 1e-2)),
            epochs=(1, 2),
            windows_per_epoch=64,
            window=32,
            batch_size=32,
            held_out=(4_000_000, 4_002_000),
        ),  # fmt: skip
        "cpu-long": PretrainPreset(),
        "gpu": PretrainPreset(
            sizes=(
                ("d64-l2", 64, 2, 4, 1e-2),
                ("d128-l4", 128, 4, 4, 3e-3),
                ("d256-l6", 256, 6, 8, 1e-3),
            ),
            epochs=(5, 20),
            windows_per_epoch=20_000,
            window=512,
        ),  # fmt: skip
    },
    "7.4": {
        "smoke": FinetunePreset(
            n_folds=2, pre_windows=64, pre_epochs=1, ft_epochs=1, max_bench=200
        ),
        "cpu-long": FinetunePreset(),
        "gpu": FinetunePreset(
            n_folds=5,
            seeds_per_fold=3,
            pre_windows=50_000,
            pre_epochs=20,
            pre_lr=1e-3,
            ft_epochs=10,
        ),  # fmt: skip
    },
    "4.2": {
        "smoke": PUM2Preset(
            seeds=(0,), n_filters=8, hidden=4, max_epochs=2, patience=1, max_train=512
        ),
        "cpu-long": PUM2Preset(),
        "gpu": PUM2Preset(
            seeds=(0, 1, 2, 3, 4), n_filters=128, hidden=64, max_epochs=30, patience=4
        ),
    },
}


def get_preset(section: str, preset: str):
    """The preset dataclass of ``section`` ("4.2", "4.3", "7.3", "7.4") named
    ``preset``.

    Raises ``KeyError`` naming the sections or presets that exist.

    Used in: no notebook directly (``python -m gdl_utils.scale``, ``load_result``).
    """
    if section not in PRESETS:
        raise KeyError(f"scale: no section {section!r}; sections: {sorted(PRESETS)}")
    if preset not in PRESETS[section]:
        raise KeyError(
            f"scale: section {section} has no preset {preset!r}; presets:"
            f" {sorted(PRESETS[section])}"
        )
    return PRESETS[section][preset]


def _jsonable(value):
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


def preset_settings(section: str, preset: str) -> dict:
    """The preset's values as JSON-ready data (tuples become lists): what a stored
    result's ``settings`` must equal.

    Used in: no notebook directly (``python -m gdl_utils.scale``, ``load_result``).
    """
    p = get_preset(section, preset)
    return {f.name: _jsonable(getattr(p, f.name)) for f in dataclasses.fields(p)}
