"""The chapter 4 exercise check: a log-space CTC forward recursion passes, broken
ones (probability space, a skip over repeated bases, a wrong end state) fail."""

from __future__ import annotations

import pytest
import torch

from gdl_utils.exercises import check_ctc_loss


def ctc_forward(log_probs, target, *, log_space=True, skip_repeats=False, ends=2):
    """The alpha recursion of CTC for one sequence (blank = 0), with switches that
    break it on purpose."""
    ext = [0]
    for k in target:
        ext += [k, 0]
    n_states, n_steps = len(ext), log_probs.shape[0]
    skip = torch.tensor(
        [
            s >= 2 and ext[s] != 0 and (skip_repeats or ext[s] != ext[s - 2])
            for s in range(n_states)
        ]
    )
    lp = log_probs.double()
    if not log_space:  # probabilities in float32: underflows on long sequences
        p = log_probs.exp()
        alpha = torch.zeros(n_states)
        alpha[0] = p[0, 0]
        if n_states > 1:
            alpha[1] = p[0, ext[1]]
        for t in range(1, n_steps):
            step = torch.cat([torch.zeros(1), alpha])[:n_states]
            jump = torch.where(skip, torch.cat([torch.zeros(2), alpha])[:n_states], 0.0)
            alpha = (alpha + step + jump) * p[t, ext]
        return -torch.log(alpha[-ends:].sum())
    ninf = torch.tensor(float("-inf"), dtype=torch.float64)
    alpha = torch.full((n_states,), float("-inf"), dtype=torch.float64)
    alpha[0] = lp[0, 0]
    if n_states > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, n_steps):
        step = torch.cat([ninf[None], alpha])[:n_states]
        jump = torch.where(skip, torch.cat([ninf.repeat(2), alpha])[:n_states], ninf)
        alpha = torch.logsumexp(torch.stack([alpha, step, jump]), 0) + lp[t, ext]
    return -torch.logsumexp(alpha[-ends:], 0)


def test_a_correct_recursion_passes():
    summary = check_ctc_loss(ctc_forward)
    assert summary.startswith("check_ctc_loss: all") and "\n" not in summary


def test_other_seeds_pass():
    for seed in (1, 2):
        check_ctc_loss(ctc_forward, seed=seed)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (dict(log_space=False), "200 steps"),
        (dict(skip_repeats=True), "AA"),
        (dict(ends=1), "case"),
    ],
)
def test_a_broken_recursion_fails(broken, message):
    with pytest.raises(AssertionError, match=message):
        check_ctc_loss(lambda lp, t: ctc_forward(lp, t, **broken))


def test_a_wrong_return_type_is_named():
    with pytest.raises(AssertionError, match="expected"):
        check_ctc_loss(lambda lp, t: 0.0)
