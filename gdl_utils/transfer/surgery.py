"""Trunk/head surgery on a trained model: what a transferred model keeps, resets and
freezes.

The **head** is a model's last ``nn.Linear`` (its output layer); the **trunk** is every
other parameter. From a source model, :func:`transfer_model` makes the target's start:

- ``"zero_shot"``: the source model as it is (no training on the target);
- ``"keep_head"``: fine-tune everything, starting from the source head;
- ``"fresh_head"``: fine-tune everything, with the head re-initialised (Basset's
  seeded transfer, Kelley et al. 2016);
- ``"probe"``: a linear probe: a fresh head trained on the frozen trunk's features.

Used in: chapter 9 (09a).
"""

from __future__ import annotations

import copy

from torch import nn

from ..runtime import seeded

__all__ = ["SURGERIES", "head_layer", "trainable_names", "transfer_model"]

SURGERIES = ("zero_shot", "keep_head", "fresh_head", "probe")


def head_layer(model: nn.Module) -> nn.Linear:
    """The model's last ``nn.Linear`` (in ``named_modules`` order): its output layer.

    Used in: chapter 9 (09a).
    """
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"head_layer: {type(model).__name__} has no nn.Linear layer")
    return linears[-1]


def trainable_names(model: nn.Module) -> list[str]:
    """Names of the parameters that require a gradient.

    Used in: chapter 9 (09a).
    """
    return [name for name, p in model.named_parameters() if p.requires_grad]


def transfer_model(source: nn.Module, how: str, *, seed: int | None = None):
    """A copy of ``source`` prepared for the target task (``source`` is not changed).

    Parameters
    ----------
    source : a trained model; its head (:func:`head_layer`) must have as many outputs
        as the target needs
    how : one of ``SURGERIES``
    seed : names the fresh head's initial weights (``"fresh_head"``, ``"probe"``),
        made inside :func:`gdl_utils.runtime.seeded`

    Returns
    -------
    nn.Module: a deep copy; for ``"probe"`` every parameter outside the head has
    ``requires_grad=False`` (an optimiser built on ``model.parameters()`` leaves them
    unchanged, as their gradients stay ``None``).

    Used in: chapter 9 (09a).
    """
    if how not in SURGERIES:
        raise ValueError(f"transfer_model: how must be one of {SURGERIES}, got {how!r}")
    model = copy.deepcopy(source)
    for p in model.parameters():
        p.requires_grad_(True)
    if how in ("fresh_head", "probe"):
        with seeded(seed):
            head_layer(model).reset_parameters()
    if how == "probe":
        head = {id(p) for p in head_layer(model).parameters()}
        for p in model.parameters():
            if id(p) not in head:
                p.requires_grad_(False)
    return model
