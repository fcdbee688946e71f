"""gdl_utils.models.transformer and .language_model: attention against SDPA, masks,
causality, rotary relative positions, checkpoints, from_pretrained, the loss in
``forward(tokens, labels)`` shared by ``training_step`` and ``lm_step``, bad input; on
every device."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from gdl_utils.models import (
    CausalLM,
    MaskedLM,
    SequenceClassifier,
    Transformer,
    TransformerConfig,
    attention,
    lm_step,
)
from gdl_utils.models.positions import RotaryEmbedding, sinusoidal_table
from gdl_utils.runtime import autocast
from gdl_utils.training import fit
from gdl_utils.training.checkpoint import load_model, save_checkpoint

POSITIONS = ["learned", "sinusoidal", "rotary", "none"]


def qkv(device, B=2, H=3, L=7, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(B, H, L, d, generator=g).to(device) for _ in range(3)]


def config(**kw):
    return TransformerConfig(**({"vocab_size": 11, "max_len": 32, "dropout": 0.0} | kw))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_attention_equals_sdpa(device, causal, padded):
    q, k, v = qkv(device)
    mask = None
    if padded:  # the last 2 keys of row 1 are padding
        keep = torch.ones(2, 7, dtype=torch.bool, device=device)
        keep[1, -2:] = False
        mask = keep[:, None, None, :]
    out, weights = attention(q, k, v, mask=mask, causal=causal)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(weights.sum(-1), torch.ones_like(weights.sum(-1)))
    if padded:
        assert weights[1, :, :, -2:].abs().max() == 0
    if causal:
        assert weights.triu(1).abs().max() == 0


def test_attention_is_softmax_in_float32_under_autocast(device):
    q, k, v = (t.to(torch.bfloat16) for t in qkv(device))
    out, weights = attention(q, k, v)
    assert weights.dtype == torch.float32 and out.dtype == torch.bfloat16
    ref, _ = attention(*(t.float() for t in (q, k, v)))
    torch.testing.assert_close(out.float(), ref, atol=3e-2, rtol=3e-2)


@pytest.mark.parametrize("position", POSITIONS)
def test_fused_path_equals_written_out_path(device, position):
    torch.manual_seed(0)
    model = Transformer(config(position=position, causal=True)).to(device).eval()
    tokens = torch.randint(0, 11, (3, 20), device=device)
    pad = torch.zeros(3, 20, dtype=torch.bool, device=device)
    pad[0, -5:] = True
    fast = model(tokens, pad)
    slow, maps = model(tokens, pad, need_weights=True)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-4)
    assert len(maps) == 2 and maps[0].shape == (3, 4, 20, 20)


@pytest.mark.parametrize("position", POSITIONS)
def test_padding_does_not_change_unmasked_outputs(device, position):
    torch.manual_seed(1)
    model = Transformer(config(position=position, pad_id=0)).to(device).eval()
    tokens = torch.randint(1, 11, (2, 12), device=device)
    alone = model(tokens)
    padded = torch.cat([tokens, torch.zeros(2, 6, dtype=torch.long, device=device)], 1)
    out = model(padded)  # padding_mask from pad_id
    torch.testing.assert_close(out[:, :12], alone, atol=1e-5, rtol=1e-4)
    other = padded.clone()  # what sits under the padding does not matter
    other[:, 12:] = 5
    mask = padded == 0
    torch.testing.assert_close(model(other, mask)[:, :12], alone, atol=1e-5, rtol=1e-4)


@settings(max_examples=15, deadline=None)
@given(
    cut=st.integers(1, 15),
    seed=st.integers(0, 10_000),
    position=st.sampled_from(POSITIONS),
)
def test_causal_outputs_ignore_future_tokens(cut, seed, position):
    torch.manual_seed(seed)
    model = Transformer(config(position=position, causal=True)).eval()
    a = torch.randint(0, 11, (2, 16))
    b = a.clone()
    b[:, cut:] = torch.randint(0, 11, (2, 16 - cut))
    torch.testing.assert_close(model(a)[:, :cut], model(b)[:, :cut])


def test_bidirectional_outputs_do_see_future_tokens():  # the check above can fail
    torch.manual_seed(0)
    model = Transformer(config()).eval()
    a = torch.randint(0, 11, (1, 16))
    b = a.clone()
    b[0, -1] = (a[0, -1] + 1) % 11
    assert (model(a)[:, 0] - model(b)[:, 0]).abs().max() > 1e-4


@settings(max_examples=20, deadline=None)
@given(m=st.integers(0, 40), n=st.integers(0, 40), shift=st.integers(0, 20))
def test_rotary_scores_depend_on_offset_only(m, n, shift):
    rope = RotaryEmbedding(8, max_len=64)
    q, k = torch.randn(2, 1, 1, 1, 8).unbind(0)
    s1 = (rope(q, offset=m) * rope(k, offset=n)).sum()
    s2 = (rope(q, offset=m + shift) * rope(k, offset=n + shift)).sum()
    torch.testing.assert_close(s1, s2, atol=1e-4, rtol=1e-4)


def test_position_schemes_differ_in_what_they_see():
    torch.manual_seed(0)
    tokens = torch.randint(0, 11, (1, 10))
    perm = torch.randperm(10)
    none = Transformer(config(position="none")).eval()  # blind to order
    torch.testing.assert_close(none(tokens)[:, perm], none(tokens[:, perm]))
    for position in ("learned", "sinusoidal", "rotary"):
        model = Transformer(config(position=position)).eval()
        assert (model(tokens)[:, perm] - model(tokens[:, perm])).abs().max() > 1e-3
    table = sinusoidal_table(32, 64)
    assert table.shape == (32, 64) and table[0, 1] == 1.0 and table[0, 0] == 0.0


@pytest.mark.parametrize("causal", [False, True])
def test_config_round_trips_through_checkpoints(tmp_path, device, causal):
    cfg = config(position="rotary", causal=causal, pad_id=0, d_model=32, n_heads=2)
    lm = (CausalLM if causal else MaskedLM)(cfg).to(device)
    clf = SequenceClassifier(cfg, n_outputs=3, global_pool="max").to(device)
    tokens = torch.randint(1, 11, (2, 9), device=device)
    for model in (lm, clf):
        path = save_checkpoint(model, tmp_path / f"{type(model).__name__}.pt")
        back = load_model(path, device=device)
        assert type(back) is type(model) and back.encoder.config == cfg
        torch.testing.assert_close(back(tokens), model.eval()(tokens))
    assert clf.model_args == {
        "config": cfg.__dict__,
        "n_outputs": 3,
        "global_pool": "max",
    }


def test_from_pretrained_copies_the_encoder(device):
    torch.manual_seed(0)
    lm = MaskedLM(config()).to(device)
    clf = SequenceClassifier.from_pretrained(lm, n_outputs=2, global_pool="cls")
    assert clf.encoder.config == lm.encoder.config and clf.global_pool == "cls"
    for (name, a), b in zip(
        lm.encoder.state_dict().items(), clf.encoder.state_dict().values()
    ):
        assert a.device == b.device and torch.equal(a, b), name
        assert a.data_ptr() != b.data_ptr(), f"{name} is shared, not copied"
    with torch.no_grad():
        clf.encoder.tok_emb.weight.add_(1.0)
    assert not torch.equal(clf.encoder.tok_emb.weight, lm.encoder.tok_emb.weight)


class Wrapper(torch.nn.Module):
    """Stands in for DistributedDataParallel: a module whose forward must be called."""

    def __init__(self, module):
        super().__init__()
        self.module, self.calls = module, 0

    def forward(self, *args, **kwargs):
        self.calls += 1
        return self.module(*args, **kwargs)


def test_the_loss_is_in_forward_and_every_step_shares_it():
    torch.manual_seed(0)
    lm = CausalLM(config(causal=True))
    x = torch.randint(0, 11, (4, 10))
    labels = torch.full_like(x, -100)
    labels[:, :-1] = x[:, 1:]  # next-token labels
    logits, loss = lm(x, labels)
    torch.testing.assert_close(logits, lm(x))  # without labels: logits only
    ref = F.cross_entropy(logits[:, :-1].reshape(-1, 11), x[:, 1:].reshape(-1))
    torch.testing.assert_close(loss, ref)
    batch = {"input_ids": x, "labels": labels}
    step_loss, logs = lm.training_step(batch)
    torch.testing.assert_close(step_loss, ref)
    hits = (logits[:, :-1].argmax(-1) == x[:, 1:]).float().mean()
    torch.testing.assert_close(logs["acc"], hits)
    wrapped = Wrapper(lm)  # a DDP wrapper sees the forward pass of lm_step
    torch.testing.assert_close(lm_step(wrapped, batch)[0], ref)
    assert wrapped.calls == 1
    assert lm.validation_step == lm.training_step


def test_causal_and_masked_lm_differ_only_in_attention():
    torch.manual_seed(0)
    causal, masked = CausalLM(config(causal=True)), MaskedLM(config())
    masked.load_state_dict(causal.state_dict())  # the same weights
    causal.eval(), masked.eval()
    x = torch.randint(0, 11, (2, 8))
    changed = x.clone()
    changed[:, -1] = (x[:, -1] + 1) % 11  # only the last token differs
    with torch.no_grad():  # the causal model's earlier positions cannot see it
        torch.testing.assert_close(causal(changed)[:, :-1], causal(x)[:, :-1])
        assert (masked(changed)[:, :-1] - masked(x)[:, :-1]).abs().max() > 1e-4
    with pytest.raises(ValueError, match=r"CausalLM needs .*causal=True"):
        CausalLM(config())
    with pytest.raises(ValueError, match=r"MaskedLM needs .*causal=False"):
        MaskedLM(config(causal=True))


def test_classifier_trains_through_fit(device):
    # a classifier learns "token 3 present" through fit, with bf16 where supported
    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(4, 11, (256, 12), generator=g)
    y = torch.rand(256, generator=g) < 0.5
    tokens[y, torch.randint(0, 12, (int(y.sum()),), generator=g)] = 3
    clf = SequenceClassifier(config(d_model=32, n_heads=2), n_outputs=1)
    hist = fit(
        clf,
        [(tokens[i : i + 32], y[i : i + 32]) for i in range(0, 256, 32)],
        [(tokens, y)],
        epochs=6,
        lr=3e-3,
        seed=0,
        verbose=False,
        device=device,
    )
    assert hist.epochs[-1]["val_acc"] > 0.9, hist.epochs[-1]


def test_autocast_forward(device):
    model = MaskedLM(config()).to(device)
    precision = "bf16" if device.type == "cuda" else "fp32"
    with autocast(device, precision):
        out = model(torch.randint(0, 11, (2, 8), device=device))
    assert torch.isfinite(out.float()).all()


def test_bad_input_is_named():
    model = SequenceClassifier(config(), n_outputs=2)
    with pytest.raises(ValueError, match=r"token id 11 at \(row 1, position 2\)"):
        model(torch.tensor([[1, 2, 3], [4, 5, 11]]))
    with pytest.raises(ValueError, match="token id -1"):
        model(torch.tensor([[-1, 2, 3]]))
    with pytest.raises(ValueError, match=r"L <= max_len = 32, got \(1, 33\)"):
        model(torch.zeros(1, 33, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \(batch, L\).*\(4,\)"):
        model(torch.zeros(4, dtype=torch.long))
    with pytest.raises(TypeError, match="integer tensor.*float32"):
        model(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="padding_mask must be a bool tensor"):
        model(torch.zeros(2, 4, dtype=torch.long), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="lacks"):
        MaskedLM(config()).training_step({"input_ids": torch.zeros(1, 3).long()})
    with pytest.raises(ValueError, match=r"labels must be -100 or in \[0, 11\)"):
        MaskedLM(config()).training_step(
            {"input_ids": torch.zeros(1, 3).long(), "labels": torch.full((1, 3), 12)}
        )
    with pytest.raises(ValueError, match=r"labels must be -100 or in \[0, 11\)"):
        MaskedLM(config())(torch.zeros(1, 3).long(), torch.full((1, 3), -5))
    with pytest.raises(ValueError, match=r"tokens' shape \(1, 3\), got \(1, 2\)"):
        CausalLM(config(causal=True))(
            torch.zeros(1, 3).long(), torch.zeros(1, 2).long()
        )
    with pytest.raises(ValueError, match="not divisible by n_heads"):
        config(d_model=30)
    with pytest.raises(ValueError, match="position must be one of"):
        config(position="alibi")
    with pytest.raises(ValueError, match="unknown fields"):
        Transformer({"vocab_size": 4, "max_len": 8, "d_head": 3})
    with pytest.raises(ValueError, match="pool must be one of"):
        SequenceClassifier(config(), 2, global_pool="mean")


def test_conv_transformer_shapes_checkpoint_and_errors(tmp_path, device):
    from gdl_utils.models.hybrid import ConvTransformer

    torch.manual_seed(0)
    model = ConvTransformer(2, max_len=64, patch=4, position="rotary").to(device)
    x = F.one_hot(torch.randint(0, 4, (3, 64)), 4).transpose(1, 2).float().to(device)
    out, maps = model.eval()(x, need_weights=True)
    assert out.shape == (3, 2) and maps[0].shape == (3, 4, 16, 16)
    back = load_model(save_checkpoint(model, tmp_path / "ct.pt"), device=device)
    torch.testing.assert_close(back(x), model(x))
    with pytest.raises(ValueError, match=r"expected input \(batch, 4, L\)"):
        model(x[:, :3])
    with pytest.raises(ValueError, match=r"length 72 is outside \[4, 64\]"):
        model(torch.zeros(1, 4, 72, device=device))
    with pytest.raises(ValueError, match="padding_mask must be bool"):
        model(x, padding_mask=torch.zeros(3, 64, device=device))


@pytest.mark.parametrize("position", ["learned", "rotary"])
def test_conv_transformer_padding_and_relative_positions(device, position):
    from gdl_utils.models.hybrid import ConvTransformer

    torch.manual_seed(0)
    model = ConvTransformer(1, 64, kernel_size=1, patch=4, position=position)
    model = model.to(device).eval()
    content = F.one_hot(torch.randint(0, 4, (2, 24)), 4).transpose(1, 2).float()
    left, right = torch.zeros(2, 4, 64), torch.zeros(2, 4, 64)  # N = padding
    left[:, :, :24], right[:, :, 40:] = content, content
    a, b = model(left.to(device)), model(right.to(device))
    alone = model(content.to(device))  # no padding at all
    torch.testing.assert_close(a, alone, atol=1e-5, rtol=1e-4)  # padding is ignored
    if position == "rotary":  # only offsets matter: moving the content changes nothing
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
    else:
        assert (a - b).abs().max() > 1e-4
