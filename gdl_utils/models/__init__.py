"""Readable PyTorch models used across the course, one file per family.

- :mod:`~gdl_utils.models.mlp`: ``Perceptron``, ``MLP`` and the perceptron learning rule (chapter 2).
- :mod:`~gdl_utils.models.cnn`: ``DeepBind``, ``MultiTaskCNN`` (DeepSEA/Basset-like) and the
  reverse-complement averaging wrapper ``RCAveraged`` (chapter 3).

Every model takes one-hot DNA ``(batch, 4, length)`` and returns ``(batch, n_outputs)`` logits or values.
"""
from .cnn import DeepBind, MultiTaskCNN, RCAveraged
from .mlp import MLP, Perceptron, perceptron_loss, perceptron_rule

__all__ = ["Perceptron", "MLP", "perceptron_rule", "perceptron_loss", "DeepBind", "MultiTaskCNN", "RCAveraged"]
