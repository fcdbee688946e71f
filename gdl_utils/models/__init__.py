"""Readable PyTorch models used across the course, one file per family.

- :mod:`~gdl_utils.models.mlp`: ``Perceptron``, ``MLP`` and the perceptron learning rule
  (chapter 2).
- :mod:`~gdl_utils.models.cnn`: ``DeepBind`` and ``MultiTaskCNN`` (DeepSEA/Basset-like)
  (chapter 3).
- :mod:`~gdl_utils.models.rnn`: ``ElmanRNN`` and ``GRUFromScratch`` (cells written out),
  ``RecurrentClassifier`` (bidirectional GRU/LSTM) and ``DanQ`` (chapter 4).
- :mod:`~gdl_utils.models.basecaller`: ``Basecaller``, a Bonito-like CTC model of raw
  nanopore current ``(batch, 1, n_samples)`` -> ``(batch, steps, 5)`` (chapter 4).
- :mod:`~gdl_utils.models.autoencoder`: ``Autoencoder`` (plain, linear, denoising) and
  ``VAE`` for expression profiles ``(batch, n_features)`` (chapter 5).
- :mod:`~gdl_utils.models.transformer`: ``TransformerConfig``, ``attention``,
  ``Transformer`` (token ids ``(batch, L)`` -> ``(batch, L, d_model)``) and
  ``SequenceClassifier`` (chapter 7); positions in
  :mod:`~gdl_utils.models.positions`; :mod:`~gdl_utils.models.language_model`:
  ``CausalLM`` and ``MaskedLM`` (the loss in ``forward(tokens, labels)``, ``lm_step``);
  :mod:`~gdl_utils.models.hybrid`: ``ConvTransformer``, a convolution stem +
  transformer for ``(batch, 4, L)`` DNA.
- :mod:`~gdl_utils.models.gnn`: ``GCNLayer`` (the graph convolution written out),
  ``GCN`` (node classifier; hand-written or PyTorch Geometric layers) and
  ``GraphAutoencoder`` (link prediction) (chapter 6).
- :mod:`~gdl_utils.models.wrappers`: ``RCAveraged``, reverse-complement averaging of any
  model (chapter 3).
- :mod:`~gdl_utils.models.registry`: ``register`` (every class above is registered, so
  :func:`gdl_utils.training.load_model` can rebuild it from a checkpoint) and
  ``count_parameters``.

Every sequence model takes one-hot DNA ``(batch, 4, length)`` and returns ``(batch,
n_outputs)`` logits or values; the autoencoders take and return expression profiles
``(batch, n_features)``. Shared vocabulary: ``n_outputs`` is the output width,
``global_pool`` the pooling over positions ("max", "avg", "maxavg"). Models import
nothing from the package except :mod:`gdl_utils._util` (and the graph models
:mod:`gdl_utils.graphs`, for the one graph validator and ``GraphBatch``).
"""

from .additive import SeqFeatureBatch, SequencePlusFeatures
from .autoencoder import VAE, Autoencoder, mask_entries, mlp_stack
from .basecaller import Basecaller
from .cnn import DeepBind, MultiTaskCNN
from .gnn import GCN, GCNLayer, GraphAutoencoder, normalized_adjacency
from .hybrid import ConvTransformer
from .language_model import CausalLM, MaskedLM, lm_loss, lm_step
from .mlp import MLP, Perceptron, perceptron_loss, perceptron_rule
from .multiview import MultiViewNet
from .positions import RotaryEmbedding, rotate_half, sinusoidal_table
from .protein import ResidueCNN, TerminiCNN, masked_cross_entropy
from .registry import MODELS, build_model, count_parameters, model_config, register
from .rnn import DanQ, ElmanRNN, GRUFromScratch, RecurrentClassifier
from .transformer import (
    Block,
    MultiHeadAttention,
    SequenceClassifier,
    Transformer,
    TransformerConfig,
    attention,
)
from .wrappers import RCAveraged, reverse_complement_onehot

__all__ = [
    "Block",
    "MultiHeadAttention",
    "RotaryEmbedding",
    "mask_entries",
    "mlp_stack",
    "normalized_adjacency",
    "rotate_half",
    "sinusoidal_table",
    "Basecaller",
    "VAE",
    "Autoencoder",
    "MLP",
    "ConvTransformer",
    "CausalLM",
    "MaskedLM",
    "lm_loss",
    "lm_step",
    "SequenceClassifier",
    "Transformer",
    "TransformerConfig",
    "attention",
    "MODELS",
    "DanQ",
    "DeepBind",
    "GCN",
    "GCNLayer",
    "GraphAutoencoder",
    "ElmanRNN",
    "GRUFromScratch",
    "RecurrentClassifier",
    "MultiTaskCNN",
    "Perceptron",
    "RCAveraged",
    "build_model",
    "count_parameters",
    "model_config",
    "perceptron_loss",
    "perceptron_rule",
    "register",
    "reverse_complement_onehot",
    "MultiViewNet",
    "SeqFeatureBatch",
    "SequencePlusFeatures",
    "ResidueCNN",
    "TerminiCNN",
    "masked_cross_entropy",
]
