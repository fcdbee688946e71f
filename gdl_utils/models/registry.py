"""A registry of model classes, so that a checkpoint can rebuild the model it was saved
from.

Decorating a class with :func:`register` does two things (nanoGPT's ``model_args``,
without a config class):

1. the class is listed under its name in :data:`MODELS`;
2. every instance remembers the arguments it was built with, in ``model.model_args`` (a
   dict with the defaults filled in).

:func:`model_config` turns a model into ``{"class": name, "args": {...}}`` (a model
passed as an argument, as in ``RCAveraged(DeepBind())``, is nested the same way) and
:func:`build_model` turns such a dict back into a fresh model.
:func:`gdl_utils.training.save_checkpoint` stores the config next to the weights and
:func:`gdl_utils.training.load_model` rebuilds the model from it. Register your own
class the same way: ``@register`` above ``class MyNet(nn.Module)``.

Used in: chapter 2 on (every model of :mod:`gdl_utils.models`), chapter 7 (pretrained
checkpoints).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from torch import nn

__all__ = ["MODELS", "register", "model_config", "build_model", "count_parameters"]

MODELS: dict[str, type[nn.Module]] = {}
"""Registered model classes by class name."""


def register(cls: type[nn.Module]) -> type[nn.Module]:
    """Class decorator: list ``cls`` in :data:`MODELS` and record each instance's
    constructor arguments.

    Re-running a notebook cell that defines the class again replaces the entry; a
    *different* class with the same name (another module) raises ``ValueError``.

    Used in: every class of :mod:`gdl_utils.models`; chapter 7 (models defined there).
    """
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(f"register: expected an nn.Module subclass, got {cls!r}")
    old = MODELS.get(cls.__name__)
    if old is not None and (old.__module__, old.__qualname__) != (
        cls.__module__,
        cls.__qualname__,
    ):
        raise ValueError(
            f"register: a model class named {cls.__name__!r} is already registered"
            f" from {old.__module__}; rename one of them"
        )
    init, signature = cls.__init__, inspect.signature(cls.__init__)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if (
            type(self) is cls
        ):  # the outermost registered class records (a subclass records its own)
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            self.model_args = {k: v for k, v in list(bound.arguments.items())[1:]}

    cls.__init__ = __init__
    MODELS[cls.__name__] = cls
    return cls


def model_config(model: nn.Module) -> dict[str, Any]:
    """``{"class": "DeepBind", "args": {"n_filters": 16, ...}}``: what
    :func:`build_model` needs.

    Arguments that are themselves models become nested configs ``{"__model__": {...}}``.
    Raises ``ValueError`` for a model whose class is not registered (the message says
    how to register it).

    Used in: chapter 2 on (through ``save_checkpoint``).
    """
    name = type(model).__name__
    if MODELS.get(name) is not type(model) or not hasattr(model, "model_args"):
        raise ValueError(
            f"model_config: {name} is not a registered model class; decorate it with "
            f"@gdl_utils.models.register to save and rebuild it by name"
        )

    def encode(value):
        if isinstance(value, nn.Module):
            return {"__model__": model_config(value)}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        return value

    return {"class": name, "args": {k: encode(v) for k, v in model.model_args.items()}}


def build_model(config: dict[str, Any]) -> nn.Module:
    """A fresh, untrained model from a :func:`model_config` dict (nested models are
    built first).

    Raises ``ValueError`` for an unknown class (naming the registered ones) or arguments
    the class does not accept.

    Used in: ``load_model`` (appendix on reproducibility, chapter 7).
    """
    if (
        not isinstance(config, dict)
        or not isinstance(config.get("class"), str)
        or not isinstance(config.get("args"), dict)
    ):
        raise ValueError(
            f"build_model: expected {{'class': str, 'args': dict}}, got {config!r}"
        )
    name = config["class"]
    if name not in MODELS:
        raise ValueError(
            f"build_model: unknown model class {name!r}; registered: {sorted(MODELS)} "
            f"(define and @register the class before loading)"
        )

    def decode(value):
        if isinstance(value, dict) and set(value) == {"__model__"}:
            return build_model(value["__model__"])
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    try:
        return MODELS[name](**{k: decode(v) for k, v in config["args"].items()})
    except TypeError as err:
        raise ValueError(
            f"build_model: cannot build {name} from {config['args']!r}: {err}"
        ) from err


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of scalar parameters in ``model`` (only those with ``requires_grad`` by
    default).

    Used in: chapters 3 (03a, 03b, 03c), 4 (04a, 04b, 04c), 5 (05a) and 7 (07a, 07e).
    """
    return sum(
        p.numel() for p in model.parameters() if p.requires_grad or not trainable_only
    )
