"""gdl_utils.models.autoencoder: shapes, the linear/denoising variants, the VAE's loss
terms against torch.distributions, KL warm-up, checkpoints, and training through fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.distributions import Normal, kl_divergence

from gdl_utils.evaluate.latent import active_units, principal_angles
from gdl_utils.models import build_model, model_config
from gdl_utils.models.autoencoder import VAE, Autoencoder, mask_entries
from gdl_utils.training import fit, predict


def low_rank_data(n=400, g=12, k=2, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, k))
    X = latent @ rng.normal(size=(k, g)) + noise * rng.normal(size=(n, g))
    return X.astype(np.float32), latent


def test_shapes_and_linear_variant():
    ae = Autoencoder(12, 3, hidden_sizes=(8,))
    x = torch.randn(5, 12)
    assert ae(x).shape == (5, 12) and ae.encode(x).shape == (5, 3)
    linear = Autoencoder(12, 3, hidden_sizes=(), activation=None)
    kinds = {type(m) for m in linear.modules()} - {Autoencoder, nn.Sequential}
    assert kinds == {nn.Linear}, "the linear autoencoder has no nonlinearity"
    with pytest.raises(
        ValueError, match=r"expected a batch of shape \(batch, 12\).*\(5, 11\)"
    ):
        ae(torch.randn(5, 11))
    with pytest.raises(ValueError, match="mask_rate must lie in"):
        Autoencoder(12, 3, mask_rate=1.0)
    with pytest.raises(ValueError, match="activation must be one of"):
        Autoencoder(12, 3, activation="gelu")


def test_linear_autoencoder_finds_the_principal_subspace():
    X, _ = low_rank_data()
    ae = Autoencoder(12, 2, hidden_sizes=(), activation=None)
    fit(
        ae,
        (X, X),
        epochs=150,
        lr=1e-2,
        batch_size=50,
        seed=0,
        verbose=False,
        device="cpu",
    )
    Xc = X - X.mean(0)
    top = np.linalg.svd(Xc, full_matrices=False)[2][:2].T  # (12, 2)
    angles = principal_angles(ae.decoder[0].weight.detach().numpy(), top)
    assert angles.max() < 3, angles
    unrelated = np.random.default_rng(5).normal(size=(12, 2))
    assert principal_angles(unrelated, top).max() > 20  # the check can fail


def test_denoising_masks_only_in_training():
    torch.manual_seed(0)
    x = torch.ones(1000, 10)
    mask = mask_entries(x, 0.2)
    assert mask.dtype == torch.bool and 0.17 < mask.float().mean() < 0.23
    with pytest.raises(ValueError, match="rate must lie in"):
        mask_entries(x, -0.1)
    dae = Autoencoder(10, 2, hidden_sizes=(4,), mask_rate=0.5)
    dae.eval()
    assert torch.equal(dae(x), dae(x)), "no masking (no randomness) in eval mode"
    calls = []
    dae.train()
    dae.forward = lambda inp: calls.append(inp) or inp  # see what the network gets
    dae.training_step((x,))
    hidden = (calls[0] == 0).float().mean().item()
    assert 0.45 < hidden < 0.55, "half of the entries hidden in training"


def test_vae_terms_match_torch_distributions():
    torch.manual_seed(0)
    vae = VAE(6, n_latent=3, hidden_sizes=(5,))
    with torch.no_grad():
        vae.log_sigma2.copy_(torch.linspace(-1, 1, 6))
    x = torch.randn(4, 6)
    mu, logvar = vae.encode(x)
    q = Normal(mu, (0.5 * logvar).exp())
    kl_ref = kl_divergence(q, Normal(0.0, 1.0)).sum(1).mean()
    torch.manual_seed(1)
    recon, kl = vae.loss_terms(x)
    torch.manual_seed(1)  # the same reparameterised sample z
    z = vae.reparameterize(mu, logvar)
    scale = (0.5 * vae.log_sigma2).exp()
    nll_ref = -Normal(vae.decode(z), scale).log_prob(x).sum(1).mean()
    torch.testing.assert_close(kl, kl_ref)
    torch.testing.assert_close(recon, nll_ref)
    out, mu_eval, _ = vae.eval()(x)
    torch.testing.assert_close(out, vae.decode(mu_eval))  # eval mode decodes the mean
    with pytest.raises(ValueError, match=r"\(batch, 6\)"):
        vae(torch.randn(2, 7))


def test_kl_warmup_schedule_and_logs():
    vae = VAE(6, n_latent=2, hidden_sizes=(4,), beta=2.0, kl_warmup=4)
    x = torch.randn(8, 6)
    weights = []
    for _ in range(6):
        loss, logs = vae.training_step((x,))
        weights.append(logs["kl_weight"])
        torch.testing.assert_close(loss, logs["recon"] + logs["kl_weight"] * logs["kl"])
    assert weights == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]
    vae.eval()
    vae.training_step((x,))
    assert vae.steps.item() == 6, "evaluation does not advance the warm-up"
    assert VAE(6, beta=3.0).kl_weight() == 3.0


def test_vae_trains_through_fit_and_round_trips():
    X, latent = low_rank_data(n=600, g=10)
    vae = VAE(10, n_latent=4, hidden_sizes=(32,), beta=1.0, kl_warmup=30)
    hist = fit(
        vae,
        (X[:500], X[:500]),
        (X[500:], X[500:]),
        epochs=40,
        lr=5e-3,
        batch_size=50,
        seed=0,
        verbose=False,
        device="cpu",
    )
    df = hist.to_frame()
    for col in ("train_recon", "train_kl", "train_kl_weight", "val_neg_elbo"):
        assert df[col].notna().all(), col
    assert df["train_kl_weight"].iloc[0] < 0.5 and df["train_kl_weight"].iloc[-1] == 1.0
    assert df["val_neg_elbo"].iloc[-1] < df["val_neg_elbo"].iloc[0]
    mu = predict(vae, X[500:])
    assert mu.shape == (100, 4)
    assert 2 <= active_units(mu) <= 4, "two true factors: two or more units in use"
    # a too-large beta collapses the posterior: fewer active units
    big = VAE(10, n_latent=4, hidden_sizes=(32,), beta=200.0)
    fit(
        big,
        (X[:500], X[:500]),
        epochs=40,
        lr=5e-3,
        batch_size=50,
        seed=0,
        verbose=False,
        device="cpu",
    )
    assert active_units(predict(big, X[500:])) < active_units(mu)
    clone = build_model(model_config(vae))
    assert isinstance(clone, VAE) and clone.kl_warmup == 30 and clone.beta == 1.0
    clone.load_state_dict(vae.state_dict())
    np.testing.assert_allclose(predict(clone, X[500:]), mu, rtol=1e-5, atol=1e-6)
    ae = build_model(model_config(Autoencoder(10, 2, hidden_sizes=(), activation=None)))
    assert ae.model_args["activation"] is None
