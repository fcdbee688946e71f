"""Section 7.4 at scale: notebook 07d's fine-tuning protocol (iPromoter-2L promoters,
the same distinct-sequence folds, mean-pooled linear head and schedule) from several
starts: 07d's own short pretraining, the course checkpoint of section 7.3 (a larger
model pretrained for twice as many bases), and random initialisation of each
architecture.

The 7.3 checkpoint reads single bases (ids 4..7) through learned positions up to 64
tokens, while 07d's model reads 27 non-overlapping 3-mers; a promoter is 81 bp. The
checkpoint is therefore fine-tuned with its own tokenisation, on two overlapping
64-bp windows per promoter (bases 0-63 and 17-80) whose hidden states are averaged
together (:class:`WindowedClassifier`): the same head (mean over positions, linear)
over every base, read only at positions the checkpoint was trained on.

Used in: no notebook directly (``python -m gdl_utils.scale 7.4``; notebook 07d shows
the stored result).
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..lm import GenomeWindows, KmerTokenizer, NucleotideTokenizer
from ..models import CausalLM, SequenceClassifier, TransformerConfig, count_parameters
from ..runtime import get_device, seeded
from ..training import fit, load_model, predict
from .results import load_result, results_dir

__all__ = ["WindowedClassifier", "run_finetuning", "load_course_checkpoint"]


class WindowedClassifier(nn.Module):
    """A :class:`~gdl_utils.models.SequenceClassifier` applied to overlapping windows of
    a sequence longer than its encoder's ``max_len``: the hidden states of all windows
    are averaged (over windows and positions) before the linear head.

    Parameters
    ----------
    classifier : SequenceClassifier with ``global_pool="avg"`` (no padding)
    starts : first token of each window; every window has ``classifier``'s
        ``encoder.config.max_len`` tokens

    ``forward(tokens)``: ``(B, L)`` token ids -> ``(B, n_outputs)`` logits;
    ``training_step((tokens, y))``: binary cross-entropy, logs ``acc``.

    Used in: no notebook directly (``python -m gdl_utils.scale 7.4``).
    """

    def __init__(self, classifier: SequenceClassifier, starts: tuple):
        super().__init__()
        self.classifier, self.starts = classifier, tuple(int(s) for s in starts)
        self.window = classifier.encoder.config.max_len

    def forward(self, tokens):
        B = tokens.shape[0]
        views = [tokens[:, s : s + self.window] for s in self.starts]
        h = self.classifier.encoder(torch.cat(views))  # (W * B, window, D)
        h = h.reshape(len(views), B, self.window, -1).mean((0, 2))  # (B, D)
        return self.classifier.head(self.classifier.drop(h))  # (B, n_outputs)

    def training_step(self, batch):
        tokens, y = batch[0], batch[1].reshape(-1).float()
        logits = self(tokens)[:, 0]
        loss = F.binary_cross_entropy_with_logits(logits.float(), y)
        return loss, {"acc": ((logits > 0).float() == y).float().mean()}


def load_course_checkpoint(preset: str = "cpu-long"):
    """The 7.3 course checkpoint of ``preset``, after checking its sha256 against the
    stored 7.3 result; returns ``(model, checkpoint record)``.

    Raises ``ValueError`` if the file's sha256 differs from the stored one.

    Used in: no notebook directly (``python -m gdl_utils.scale 7.4``).
    """
    ckpt = load_result("7.3", preset)["results"]["checkpoint"]
    path = results_dir() / ckpt["file"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != ckpt["sha256"]:
        raise ValueError(f"{path.name}: sha256 {digest} != stored {ckpt['sha256']}")
    return load_model(path), ckpt


def _accuracy(model, X, y) -> float:
    return float(((predict(model, X).reshape(-1) > 0) == y).mean())


def _benchmark(p):
    """07d's table of distinct sequences and folds (optionally a stratified subset)."""
    from ..datasets import load_ecoli_promoters
    from ..dna import dedup_kfold

    bench = load_ecoli_promoters()
    if p.max_bench:
        rng = np.random.default_rng(p.seed)
        keep = [
            rng.choice(np.flatnonzero(bench["label"] == c), p.max_bench // 2, False)
            for c in (0, 1)
        ]
        bench = bench.iloc[np.sort(np.concatenate(keep))].reset_index(drop=True)
    return dedup_kfold(bench, p.n_folds, stratify="label", seed=p.seed, seq_col="seq")


def run_finetuning(p, *, device=None) -> dict:
    """Run preset ``p`` (a :class:`~gdl_utils.scale.presets.FinetunePreset`).

    Returns ``{"seeds", "device", "precision", "wall_time_s", "cpu_time_s",
    "results"}``; ``results`` holds ``starts`` (per start: tokens, parameters, bases
    read in pretraining, fine-tuning seconds), ``runs`` (start, fold, seed, test
    accuracy), ``mean`` and ``sd`` (over runs) per start, and ``paired`` (per start,
    mean and per-run accuracy minus that of its own architecture from scratch on the
    same fold and seed).

    Used in: no notebook directly (``python -m gdl_utils.scale 7.4``).
    """
    from ..datasets import load_ecoli_genome

    wall, cpu = time.perf_counter(), time.process_time()
    device = get_device(device)
    table, folds = _benchmark(p)
    y = table["label"].to_numpy()
    kmer, nuc = KmerTokenizer(p.k), NucleotideTokenizer()
    X3 = np.stack([kmer.encode(s) for s in table["seq"]])  # (N, 27)
    X1 = np.stack([nuc.encode(s) for s in table["seq"]])  # (N, 81)

    config = TransformerConfig(
        vocab_size=kmer.vocab_size, max_len=p.window, d_model=p.d_model,
        n_heads=p.n_heads, n_layers=p.n_layers, dropout=0.0, causal=True,
    )  # fmt: skip
    tic = time.perf_counter()
    genome = load_ecoli_genome()
    windows = GenomeWindows(
        nuc.encode(genome), p.pre_windows, p.window, p.batch_size, seed=p.seed,
        k=p.k, both_strands=True,
    )  # fmt: skip
    with seeded(p.seed):
        lm07 = CausalLM(config)
    pre_hist = fit(
        lm07, windows, epochs=p.pre_epochs, lr=p.pre_lr, seed=p.seed, device=device,
        clip_grad_norm=1.0, verbose=False,
    )  # fmt: skip
    pre_seconds = time.perf_counter() - tic
    ckpt_lm, ckpt = load_course_checkpoint(p.checkpoint_preset)
    meta = ckpt_lm.checkpoint_metadata
    c73 = load_result("7.3", p.checkpoint_preset)["settings"]
    ckpt_bases = meta["epochs"] * c73["windows_per_epoch"] * c73["window"]
    span = X1.shape[1] - ckpt_lm.encoder.config.max_len
    win_starts = (0, span) if span > 0 else (0,)

    def build(start: str):
        if start == "07d pretraining":
            return SequenceClassifier.from_pretrained(lm07, n_outputs=1), X3
        if start == "07d architecture, random":
            return SequenceClassifier(config, n_outputs=1), X3
        if start == "7.3 checkpoint":
            clf = SequenceClassifier.from_pretrained(ckpt_lm, n_outputs=1)
        else:  # "7.3 architecture, random"
            clf = SequenceClassifier(ckpt_lm.encoder.config, n_outputs=1)
        return WindowedClassifier(clf, win_starts), X1

    starts = {
        "07d pretraining": {"tokens": f"{p.k}-mers", "window": p.window,
                            "pretrained_bases": p.pre_epochs * p.pre_windows
                            * p.window * p.k,
                            "pretraining_seconds": round(pre_seconds, 1)},
        "07d architecture, random": {"tokens": f"{p.k}-mers", "pretrained_bases": 0},
        "7.3 checkpoint": {"tokens": "bases", "window": ckpt_lm.encoder.config.max_len,
                           "window_starts": list(win_starts),
                           "pretrained_bases": ckpt_bases,
                           "checkpoint_sha256": ckpt["sha256"],
                           "checkpoint_bits_per_base": ckpt["bits_per_base"]},
        "7.3 architecture, random": {"tokens": "bases", "pretrained_bases": 0,
                                     "window_starts": list(win_starts)},
    }  # fmt: skip
    starts = {k: v for k, v in starts.items() if k in p.starts}
    for info in starts.values():
        info["fine_tuning_seconds"] = 0.0
    runs, precision = [], None
    for fold, (train, test) in enumerate(folds):
        for rep in range(p.seeds_per_fold):
            seed = p.seed + fold + rep * p.n_folds  # rep 0: 07d's seed of the fold
            for start in starts:
                tic = time.perf_counter()
                with seeded(seed):  # the seed names the new head (and random encoders)
                    model, X = build(start)
                hist = fit(
                    model, (X[train], y[train]), epochs=p.ft_epochs, lr=p.ft_lr,
                    device=device, batch_size=p.batch_size, seed=seed, verbose=False,
                )  # fmt: skip
                precision = hist.precision
                acc = _accuracy(model, X[test], y[test])
                starts[start]["fine_tuning_seconds"] += time.perf_counter() - tic
                starts[start].setdefault("n_parameters", count_parameters(model))
                runs.append({"start": start, "fold": fold, "seed": seed,
                             "accuracy": round(acc, 5)})  # fmt: skip
                print(f"7.4 fold {fold} seed {seed} {start}: {acc:.4f}", flush=True)
    for info in starts.values():
        info["fine_tuning_seconds"] = round(info["fine_tuning_seconds"], 1)
    accs = {
        s: np.array([r["accuracy"] for r in runs if r["start"] == s]) for s in starts
    }
    paired = {}
    for start, base in (("07d pretraining", "07d architecture, random"),
                        ("7.3 checkpoint", "7.3 architecture, random")):  # fmt: skip
        if start in accs and base in accs:
            diff = accs[start] - accs[base]
            paired[start] = {"minus": base, "mean": round(float(diff.mean()), 5),
                             "per_run": [round(float(d), 5) for d in diff]}  # fmt: skip
    if "07d pretraining" in accs and "7.3 checkpoint" in accs:
        diff = accs["7.3 checkpoint"] - accs["07d pretraining"]
        paired["7.3 checkpoint vs 07d pretraining"] = {
            "minus": "07d pretraining", "mean": round(float(diff.mean()), 5),
            "per_run": [round(float(d), 5) for d in diff],
        }  # fmt: skip
    results = {
        "n_sequences": len(table),
        "n_folds": p.n_folds,
        "n_runs_per_start": len(folds) * p.seeds_per_fold,
        "pretraining_loss_07d": pre_hist.to_frame()["train_loss"].round(5).tolist(),
        "starts": starts,
        "runs": runs,
        "mean": {s: round(float(a.mean()), 5) for s, a in accs.items()},
        "sd": {
            s: round(float(a.std(ddof=1)), 5) if len(a) > 1 else None
            for s, a in accs.items()
        },
        "paired": paired,
    }
    return {
        "seeds": sorted({r["seed"] for r in runs}),
        "device": str(device),
        "precision": precision,
        "wall_time_s": time.perf_counter() - wall,
        "cpu_time_s": time.process_time() - cpu,
        "results": results,
    }
