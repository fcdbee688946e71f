"""Scored human protein-protein links from STRING (Szklarczyk et al.), as shipped with
the Bioconductor package STRINGdb: the registered ``string_example`` set.

``interactions_example.rda`` is an R data file holding one data frame,
``interactions_example``: 70,000 rows ``proteinA``, ``proteinB`` (STRING protein ids,
``9606.ENSP...``) and ``score`` (STRING's combined score divided by 1000, in (0, 1]),
each undirected link listed once. :func:`load_string_links` reads it with ``rdata``
and returns the links as integer node ids with the scores; :func:`read_string_links`
does the same for any such file, with errors that name the file and the row.

Used in: chapter 6 (notebook 06c).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._util import check_fraction
from .fetching import dataset_path

__all__ = ["StringLinks", "load_string_links", "read_string_links"]
STRING_FILE = ("string_example", "interactions_example.rda")
COLUMNS = ("proteinA", "proteinB", "score")


@dataclass
class StringLinks:
    """A scored, undirected protein-protein network.

    Attributes
    ----------
    edge_index : (2, n_links) int64 node ids, each link once (``u != v``)
    score : (n_links,) float STRING combined score in (0, 1]
    proteins : (n_nodes,) STRING protein ids; node ``i`` is ``proteins[i]``

    Used in: chapter 6 (notebook 06c).
    """

    edge_index: np.ndarray
    score: np.ndarray
    proteins: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.proteins)

    def __repr__(self) -> str:
        return (
            f"StringLinks({len(self.score):,} links between {self.n_nodes:,} proteins)"
        )


def _protein_ids(column, name: str, file: str) -> np.ndarray:
    """(n_links,) str ids of one column; ``ValueError`` naming the first row whose id
    is missing (NA; it would become the node ``'<NA>'``) or empty."""
    missing = column.isna().to_numpy()
    ids = column.to_numpy(str)
    empty = ~missing & (np.char.str_len(np.char.strip(ids)) == 0)
    for bad, what in ((missing, "missing (NA)"), (empty, "empty")):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{file}: row {i + 1}: {name} is {what}; {int(bad.sum())} rows have"
                f" {what} {name}, expected a STRING protein id such as"
                " '9606.ENSP00000000233'"
            )
    return ids


def read_string_links(path, *, min_score: float = 0.0) -> StringLinks:
    """Read a STRINGdb-style ``.rda`` file of scored links.

    Parameters
    ----------
    path : an ``.rda`` file with one data frame with columns ``proteinA``,
        ``proteinB``, ``score``
    min_score : keep links with ``score >= min_score``, a number in [0, 1] (STRING's
        combined score / 1000, the scale of the file's ``score``)

    Raises ``ValueError`` naming the file for an unreadable file, missing columns, a
    missing (NA) or empty protein id, scores outside (0, 1] (with the row), self-links,
    links listed twice, or a ``min_score`` that keeps no link; ``ValueError`` /
    ``TypeError`` for a ``min_score`` outside [0, 1] (NaN included).

    Used in: chapter 6 (notebook 06c).
    """
    import rdata  # imported here: R data files are read only here

    path = Path(path)
    min_score = check_fraction(min_score, f"read_string_links({path.name}): min_score")
    try:
        with warnings.catch_warnings():  # a foreign file: rdata warns, then raises
            warnings.filterwarnings("ignore", category=UserWarning, module="rdata")
            frames = rdata.read_rda(path)
    except Exception as err:  # rdata raises several types for a foreign file
        raise ValueError(f"{path.name}: not a readable R data file: {err}") from err
    if len(frames) != 1:
        raise ValueError(f"{path.name}: expected one data frame, found {list(frames)}")
    ((name, df),) = frames.items()
    missing = [c for c in COLUMNS if c not in getattr(df, "columns", ())]
    if missing:
        found = list(getattr(df, "columns", []))
        raise ValueError(
            f"{path.name}: object {name!r} lacks columns {missing}; it has {found}"
        )
    a, b = (_protein_ids(df[c], c, path.name) for c in COLUMNS[:2])
    score = df["score"].to_numpy(float)
    bad = ~((score > 0) & (score <= 1))  # NaN is bad too
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{path.name}: {int(bad.sum())} scores outside (0, 1]; the first is row"
            f" {i + 1} ({a[i]} - {b[i]}: {score[i]})"
        )
    if (a == b).any():
        i = int(np.flatnonzero(a == b)[0])
        raise ValueError(f"{path.name}: row {i + 1} links {a[i]} to itself")
    proteins, codes = np.unique(np.r_[a, b], return_inverse=True)
    u, v = codes[: len(a)], codes[len(a) :]
    key = np.minimum(u, v).astype(np.int64) * len(proteins) + np.maximum(u, v)
    _, first = np.unique(key, return_index=True)
    if len(first) < len(key):
        twice = np.setdiff1d(np.arange(len(key)), first)[0]
        raise ValueError(
            f"{path.name}: the link {a[twice]} - {b[twice]} (row {twice + 1}) is"
            " listed more than once"
        )
    keep = score >= min_score
    if not keep.any():
        raise ValueError(
            f"{path.name}: no link has score >= {min_score:g} (the highest is"
            f" {score.max(initial=0.0):g}); lower min_score"
        )
    return StringLinks(
        np.stack([u[keep], v[keep]]).astype(np.int64), score[keep], proteins
    )


def load_string_links(min_score: float = 0.0) -> StringLinks:
    """The 70,000 scored human links of the registered ``string_example`` set (cache,
    ``GDL_DATA_MIRROR``, then the STRINGdb repository).

    Used in: chapter 6 (notebook 06c).
    """
    links = read_string_links(dataset_path(*STRING_FILE), min_score=min_score)
    if min_score == 0.0 and len(links.score) != 70_000:
        raise ValueError(
            f"{STRING_FILE[1]}: expected 70,000 links, got {len(links.score):,}"
        )
    return links
