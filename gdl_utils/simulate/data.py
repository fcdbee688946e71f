"""The container for simulated data and the machinery shared by the simulations.

:class:`SimulatedData` holds sequences, labels and the ground-truth ``sites`` table;
the private helpers draw i.i.d. background bases and write sampled motif instances
into sequences (the reverse complement on ``'-'``), recording one table row per
instance. The public simulations are in :mod:`gdl_utils.simulate` (presence,
multi-label, hand-placed sites) and :mod:`gdl_utils.simulate.grammar` (motif syntax).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._util import check_fraction as _check_fraction
from ..dna.sequence import one_hot
from ..dna.strands import reverse_complement
from ..motifs.jaspar import Motif
from ..motifs.pwm import sample_motif

SITE_COLUMNS = ["seq_index", "motif", "start", "end", "strand", "matrix_id"]
"""Columns of :attr:`SimulatedData.sites`, in order."""


@dataclass
class SimulatedData:
    """Simulated sequences with labels and ground-truth motif sites.

    Attributes
    ----------
    sequences : list of N strings of equal length L
    labels : (N,) 0/1 for presence and grammar tasks, (N, n_motifs) 0/1 for
        multi-label tasks
    sites : DataFrame, one row per instance: seq_index, motif (name), start, end
        (0-based, end-exclusive, forward strand), strand ('+' or '-'), matrix_id
    label_names : name of each label column

    Used in: chapter 1 (simulated data), chapter 3 (recovering motifs from CNN filters).
    """

    sequences: list[str]
    labels: np.ndarray
    sites: pd.DataFrame
    label_names: list[str] = field(default_factory=list)

    def one_hot(self, **kwargs):
        """(N, 4, L) one-hot encoding of ``sequences``.

        Keyword arguments go to :func:`gdl_utils.dna.one_hot`.
        """
        return one_hot(self.sequences, **kwargs)

    def __len__(self) -> int:
        return len(self.sequences)


def _check_fits(length: int, widths, what: str) -> None:
    if length < sum(widths):
        raise ValueError(
            f"sequence length {length} is too short for {what} "
            f"(needs {sum(widths)} bases)"
        )


def _sequences(n: int, length: int, gc: float, rng: np.random.Generator) -> list[str]:
    gc = _check_fraction(gc, "gc")
    probs = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    codes = rng.choice(4, size=(n, length), p=probs)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
    return [row.tobytes().decode("ascii") for row in letters]


def _strands(k: int, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(k) < 0.5, "+", "-")


def _place(
    sequences: list[str], rows: list[tuple], motifs: list[Motif], rng
) -> tuple[list[str], pd.DataFrame]:
    """Write sampled instances of ``motifs`` and return the new sequences and sites.

    ``rows`` holds one (seq_index, motif_index, start, strand) tuple per instance.
    """
    seqs = list(sequences)
    table = pd.DataFrame(rows, columns=["seq_index", "k", "start", "strand"])
    out = []
    for k, motif in enumerate(motifs):
        part = table[table["k"] == k]
        inst = sample_motif(motif.ppm(), len(part), rng)
        w = motif.width
        for (i, start, strand), s in zip(
            part[["seq_index", "start", "strand"]].itertuples(index=False), inst
        ):
            s = reverse_complement(s) if strand == "-" else s
            seqs[i] = seqs[i][:start] + s + seqs[i][start + w :]
        out.append(
            part.assign(
                motif=motif.name, end=part["start"] + w, matrix_id=motif.matrix_id
            )
        )
    sites = pd.concat(out) if out else pd.DataFrame(columns=SITE_COLUMNS)
    sites = sites.sort_values(["seq_index", "start"], kind="stable")[
        SITE_COLUMNS
    ].reset_index(drop=True)
    return seqs, sites.astype({"seq_index": int, "start": int, "end": int})
