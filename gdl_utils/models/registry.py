"""A registry of model classes, so that a checkpoint can rebuild the model it was saved
from.

Decorating a class with :func:`register` does two things (nanoGPT's ``model_args``,
without a config class):

1. the class is listed under its name in :data:`MODELS`;
2. every instance remembers the arguments it was built with, in ``model.model_args`` (a
   dict with the defaults filled in).

:func:`model_config` turns a model into ``{"class": name, "args": {...}}`` (a model
passed as an argument, as in ``RCAveraged(DeepBind())``, is nested the same way) and
:func:`build_model` turns such a dict back into a fresh model once :func:`check_config`
has checked it (the class's signature and annotations). ``save_checkpoint`` stores the
config next to the weights and ``load_model`` rebuilds the model from it (both in
:mod:`gdl_utils.training`). Register your own class: ``@register`` above the class.

Used in: chapter 2 on (every model of :mod:`gdl_utils.models`), chapter 7 (pretrained
checkpoints).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
from typing import Any

import torch
from torch import nn

__all__ = [
    "MODELS",
    "register",
    "model_config",
    "check_config",
    "build_model",
    "count_parameters",
]

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


MAX_DEPTH = 32
"""Deepest nesting of dicts and lists a config may have (a model inside a wrapper
inside a wrapper is 9 levels)."""
_KINDS = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "None": lambda v: v is None,
    "NoneType": lambda v: v is None,
    "dict": lambda v: isinstance(v, dict),
    "Module": lambda v: isinstance(v, nn.Module) or _nested(v),
}
_SEQUENCES = ("tuple", "list", "Sequence")


def _nested(value) -> bool:
    return isinstance(value, dict) and set(value) == {"__model__"}


def _split(text: str, sep: str) -> list[str]:
    """``text`` split at the ``sep`` characters outside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [part.strip() for part in parts + [text[start:]]]


def _fits(annotation: str, value) -> bool:
    """Whether ``value`` (a JSON value) fits an annotation such as ``"int | None"``
    or ``"tuple[int, ...]"``; names this check does not know admit anything."""
    for alternative in _split(annotation, "|"):
        name, _, inner = alternative.partition("[")
        name, inner = name.rsplit(".", 1)[-1].strip(), inner.removesuffix("]")
        if name in ("Optional", "Union"):
            options = _split(inner, ",") + (["None"] if name == "Optional" else [])
            fits = any(_fits(option, value) for option in options)
        elif name in _SEQUENCES:
            element = _split(inner, ",")[0] if inner else ""
            fits = isinstance(value, (list, tuple)) and (
                not element or all(_fits(element, v) for v in value)
            )
        else:
            fits = _KINDS.get(name, lambda v: True)(value)
        if fits:
            return True
    return False


def _too_deep(config) -> bool:
    stack = [(config, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, (list, tuple)):
            if depth > MAX_DEPTH:
                return True
            stack.extend((v, depth + 1) for v in value)
    return False


def _ints(value, where: str):
    """``(where, int)`` for every int in an argument, nested models excluded."""
    if isinstance(value, int) and not isinstance(value, bool):
        yield where, value
    elif isinstance(value, dict) and not _nested(value):
        for key, v in value.items():
            yield from _ints(v, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _ints(v, f"{where}[{i}]")


def check_config(config: dict[str, Any], *, max_int: int | None = None) -> None:
    """``ValueError`` unless :func:`build_model` can build ``config`` as stored.

    Checked before anything is built: the nesting depth (at most :data:`MAX_DEPTH`),
    the class (registered), the argument names (those of the class's ``__init__``, the
    required ones present), each value against its annotation (``int`` is an int and
    not a bool, ``float`` a finite number, ``tuple[int, ...]`` a list of ints, ...),
    ``abs(int) <= max_int`` anywhere in the arguments when ``max_int`` is given, and
    nested models the same way. The message names the class, the argument, its value
    and what was expected.

    Used in: ``build_model`` and ``load_model`` (chapter 7, appendix on
    reproducibility).
    """
    if _too_deep(config):
        raise ValueError(
            f"build_model: the config is nested deeper than {MAX_DEPTH} levels of"
            " dicts and lists; no registered model needs that"
        )
    if (
        not isinstance(config, dict)
        or not isinstance(config.get("class"), str)
        or not isinstance(config.get("args"), dict)
    ):
        raise ValueError(
            f"build_model: expected {{'class': str, 'args': dict}}, got {config!r}"
        )
    name, args = config["class"], config["args"]
    if name not in MODELS:
        raise ValueError(
            f"build_model: unknown model class {name!r}; registered: {sorted(MODELS)} "
            f"(define and @register the class before loading)"
        )
    params = list(inspect.signature(MODELS[name].__init__).parameters.values())[1:]
    named = {
        p.name: p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    problems = [
        f"missing required argument {p.name!r}"
        for p in named.values()
        if p.default is p.empty and p.name not in args
    ]
    if not any(p.kind == p.VAR_KEYWORD for p in params):
        problems += [
            f"unknown argument {k!r}; {name} takes {list(named)}"
            for k in args
            if k not in named
        ]
    for key, value in args.items():
        hint = getattr(named.get(key), "annotation", inspect.Parameter.empty)
        if hint is not inspect.Parameter.empty:
            hint = (
                hint if isinstance(hint, str) else getattr(hint, "__name__", str(hint))
            )
            if not _fits(hint, value):
                problems.append(f"{name} argument {key}={value!r} must be {hint}")
            elif hint == "float" and not math.isfinite(value):
                problems.append(
                    f"{name} argument {key}={value!r} must be a finite number"
                )
        for where, number in _ints(value, key) if max_int is not None else ():
            if abs(number) > max_int:
                problems.append(
                    f"{name} argument {where}={number} is larger than the checkpoint's"
                    f" stored weights allow (at most {max_int})"
                )
    if problems:
        raise ValueError(f"build_model: cannot build {name}: {'; '.join(problems)}")
    for value in args.values():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if _nested(v):
                check_config(v["__model__"], max_int=max_int)


def build_model(config: dict[str, Any], *, device=None) -> nn.Module:
    """A fresh, untrained model from a :func:`model_config` dict (nested models are
    built first).

    ``device``: build there (``"meta"`` builds the shapes without allocating memory:
    what ``load_model`` compares with the stored weights before building for real).
    Raises ``ValueError`` when :func:`check_config` refuses the config (an unknown
    class, arguments the class does not take or of the wrong type) or the class refuses
    the arguments.

    Used in: ``load_model`` (appendix on reproducibility, chapter 7).
    """
    check_config(config)
    name = config["class"]

    def decode(value):
        if _nested(value):
            return build_model(value["__model__"], device=device)
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    try:
        with torch.device(device) if device is not None else contextlib.nullcontext():
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
