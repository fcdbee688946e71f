"""Autoencoders for expression profiles: plain, linear, denoising, and the VAE.

Every model maps a batch of cells ``x : (batch, n_inputs)`` (e.g. standardised
log-expression of ``n_inputs`` genes) through an ``n_latent``-dimensional bottleneck
and back. The training objective lives on the model as ``training_step(batch)``, so
:func:`gdl_utils.training.fit` trains any of them and logs the loss terms per epoch:

- :class:`Autoencoder`: mean squared reconstruction error. ``hidden_sizes=()`` and
  ``activation=None`` make it **linear**, which learns PCA's subspace (Baldi & Hornik
  1989). ``mask_rate > 0`` makes it **denoising** (Vincent et al. 2008): during training
  a random fraction of the input entries is hidden (set to 0, the gene mean after
  standardisation) and the network must restore them.
- :class:`VAE` (Kingma & Welling 2014): Gaussian encoder ``q(z|x)``, the
  reparameterisation trick, a Gaussian decoder ``p(x|z)`` with one learned variance per
  feature, the KL term to ``N(0, I)`` written out, a ``beta`` weight and a linear KL
  warm-up over ``kl_warmup`` training steps.

Batches are ``(x,)`` or ``(x, y)`` tuples (``y`` is ignored; the target is ``x``).

Used in: chapter 5 (notebooks 05a, 05b).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .registry import register

__all__ = ["Autoencoder", "VAE", "mlp_stack", "mask_entries"]
ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU, "tanh": nn.Tanh, None: None}


def mlp_stack(sizes, activation: str | None = "relu", last_activation=False):
    """``nn.Sequential`` of Linear layers ``sizes[0] -> sizes[1] -> ...``, with
    ``activation`` between them (and after the last one if ``last_activation``).

    Used in: :class:`Autoencoder`, :class:`VAE`.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}"
        )
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        last = i == len(sizes) - 2
        if activation is not None and (not last or last_activation):
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def _check_input(x: torch.Tensor, n_inputs: int, who: str) -> torch.Tensor:
    if x.dim() != 2 or x.shape[1] != n_inputs:
        raise ValueError(
            f"{who}: expected a batch of shape (batch, {n_inputs}) (one column per"
            f" gene the model was built for), got {tuple(x.shape)}; align the genes"
            " with gdl_utils.datasets.expression.align_genes"
        )
    return x


def mask_entries(x: torch.Tensor, rate: float, generator=None) -> torch.Tensor:
    """A boolean mask of the same shape as ``x``, True (hidden) with probability
    ``rate``.

    Used in: :class:`Autoencoder` (denoising), notebook 05a (imputation test).
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"mask_entries: rate must lie in [0, 1), got {rate}")
    return torch.rand(x.shape, generator=generator, device=x.device) < rate


@register
class Autoencoder(nn.Module):
    """Encoder ``n_inputs -> hidden -> n_latent``, decoder back, MSE loss.

    Parameters
    ----------
    n_inputs : input width (genes)
    n_latent : bottleneck width k
    hidden_sizes : widths of the encoder's hidden layers (the decoder mirrors them);
        ``()`` with ``activation=None`` gives the linear autoencoder
    activation : "relu", "elu", "tanh" or None
    mask_rate : fraction of input entries hidden (set to 0) in training: a denoising
        autoencoder; the loss is on every entry

    ``forward(x)``: ``x (batch, n_inputs) -> (batch, n_inputs)`` reconstruction;
    ``encode(x) -> (batch, n_latent)``.

    Used in: chapter 5 (notebook 05a).
    """

    def __init__(
        self,
        n_inputs: int,
        n_latent: int,
        hidden_sizes: tuple[int, ...] = (128,),
        activation: str | None = "relu",
        mask_rate: float = 0.0,
    ):
        super().__init__()
        if not 0.0 <= mask_rate < 1.0:
            raise ValueError(
                f"Autoencoder: mask_rate must lie in [0, 1), got {mask_rate}"
            )
        self.n_inputs, self.mask_rate = n_inputs, mask_rate
        sizes = [n_inputs, *hidden_sizes, n_latent]
        self.encoder = mlp_stack(sizes, activation)
        self.decoder = mlp_stack(sizes[::-1], activation)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(_check_input(x, self.n_inputs, "Autoencoder"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encode(x))

    def training_step(self, batch):
        x = batch[0]
        x_in = x
        if self.training and self.mask_rate > 0:
            # denoising: hide a random fraction of the entries; the target stays x
            x_in = x.masked_fill(mask_entries(x, self.mask_rate), 0.0)
        return nn.functional.mse_loss(self(x_in), x)

    def predict_step(self, batch):
        return self.encode(batch[0])


@register
class VAE(nn.Module):
    """Variational autoencoder with a Gaussian likelihood, a ``beta`` weight and KL
    warm-up.

    Parameters
    ----------
    n_inputs : input width (genes)
    n_latent : latent dimensions
    hidden_sizes : encoder hidden widths (the decoder mirrors them)
    beta : weight of the KL term (1 = the ELBO; > 1 = beta-VAE)
    kl_warmup : training steps over which the KL weight rises linearly from 0 to
        ``beta`` (0 = no warm-up)

    ``forward(x)`` returns ``(x_mean, mu, logvar)`` with shapes ``(batch, n_inputs)``,
    ``(batch, n_latent)``, ``(batch, n_latent)``; ``predict_step`` returns ``mu``;
    ``decode(z)`` maps ``(n, n_latent) -> (n, n_inputs)`` means.

    Used in: chapter 5 (notebook 05b).
    """

    def __init__(
        self,
        n_inputs: int,
        n_latent: int = 10,
        hidden_sizes: tuple[int, ...] = (128,),
        beta: float = 1.0,
        kl_warmup: int = 0,
    ):
        super().__init__()
        self.n_inputs, self.beta, self.kl_warmup = n_inputs, beta, kl_warmup
        sizes = [n_inputs, *hidden_sizes]
        self.encoder = mlp_stack(sizes, "relu", last_activation=True)
        self.to_mu = nn.Linear(sizes[-1], n_latent)
        self.to_logvar = nn.Linear(sizes[-1], n_latent)
        self.decoder = mlp_stack([n_latent, *hidden_sizes[::-1], n_inputs], "relu")
        self.log_sigma2 = nn.Parameter(torch.zeros(n_inputs))  # decoder variance
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def encode(self, x):
        """q(z|x) = N(mu, diag(exp(logvar)))."""
        h = self.encoder(_check_input(x, self.n_inputs, "VAE"))
        return self.to_mu(h), self.to_logvar(h)

    def reparameterize(self, mu, logvar):
        """z = mu + sigma * eps, eps ~ N(0, I): a sample that gradients flow through."""
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar) if self.training else mu
        return self.decode(z), mu, logvar

    def kl_weight(self) -> float:
        """beta, times the warm-up factor min(1, steps / kl_warmup)."""
        if self.kl_warmup <= 0:
            return self.beta
        return self.beta * min(1.0, self.steps.item() / self.kl_warmup)

    def loss_terms(self, x):
        """Per-cell averages of -log p(x|z) (``recon``) and KL(q(z|x) || N(0, I))."""
        mu, logvar = self.encode(x)  # encoder: q(z|x)
        z = self.reparameterize(mu, logvar)  # one sample per cell (also in eval mode)
        x_mean = self.decode(z)  # decoder: the mean of p(x|z)
        # Gaussian log-likelihood, summed over genes: one variance per gene
        nll = 0.5 * (
            (x - x_mean) ** 2 / self.log_sigma2.exp()
            + self.log_sigma2
            + math.log(2 * math.pi)
        )
        recon = nll.sum(dim=1).mean()
        # KL of two Gaussians in closed form, summed over latent dimensions
        kl = (0.5 * (mu**2 + logvar.exp() - 1.0 - logvar)).sum(dim=1).mean()
        return recon, kl

    def training_step(self, batch):
        """Loss = recon + w * KL = -ELBO when w = 1; logs both terms, w and -ELBO."""
        recon, kl = self.loss_terms(batch[0])
        weight = self.kl_weight()
        if self.training:
            self.steps += 1
        logs = {"recon": recon.detach(), "kl": kl.detach(), "kl_weight": weight}
        logs["neg_elbo"] = (recon + kl).detach()
        return recon + weight * kl, logs

    def validation_step(self, batch):
        return self.training_step(batch)

    def predict_step(self, batch):
        return self.encode(batch[0])[0]  # the latent means

    @torch.no_grad()
    def unit_usage(self, x) -> torch.Tensor:
        """How much the decoder uses each latent unit.

        For every unit j: the rise in the mean squared error of the decoded latent
        means, ``mean((x - decode(mu))**2)``, when ``mu[:, j]`` is replaced by its mean
        over the cells of ``x``. About 0 for a unit the decoder ignores (posterior
        collapse) and for every unit of an untrained decoder, which the variance of
        ``mu`` alone (``active_units``) does not tell apart from a used unit.

        x : (n_cells, n_inputs). Returns a (n_latent,) CPU tensor in the units of ``x``
        squared (for standardised genes: the fraction of the variance lost).

        Used in: chapter 5 (notebook 05b).
        """
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        x = _check_input(
            torch.as_tensor(x, dtype=torch.float32, device=device), self.n_inputs, "VAE"
        )
        mu = self.encode(x)[0]
        base = ((x - self.decode(mu)) ** 2).mean()
        rise = []
        for j in range(mu.shape[1]):
            ablated = mu.clone()
            ablated[:, j] = mu[:, j].mean()
            rise.append(((x - self.decode(ablated)) ** 2).mean() - base)
        self.train(was_training)
        return torch.stack(rise).cpu()
