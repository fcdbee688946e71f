"""Which planted motifs did a network recover? TF families and filter -> JASPAR table.

:func:`recovery_table` compares every learned filter with a whole motif database by
Tomtom (:func:`gdl_utils.motifs.tomtom`) and reports, for each planted motif,
whether its filter is named by the exact matrix ID and whether it is named by a matrix
of the same TF family. The families come from JASPAR's own annotation
(:func:`jaspar_families`), not from the matcher under test, so a matcher that names
random motifs fails both counts.

Used in: chapter 3 (notebook 03b).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control

from .jaspar import JASPAR_RELEASE, Motif, _jaspar_db
from .match import tomtom

__all__ = ["jaspar_families", "recovery_table"]

_GENERIC_STEMS = {
    "ZNF",
    "ZFP",
    "ZSCAN",
    "ZKSCAN",
    "ZBTB",
    "ZBED",
}  # name prefixes, not families


def _stem_keys(name: str) -> set[str]:
    """Paralog keys from names: ``Ebf4`` -> {"EBF"}; ``FOS::JUN`` -> {"FOS", "JUN"}."""
    keys = set()
    for part in name.upper().split("::"):
        stem = re.sub(r"\d+$", "", part)
        if stem != part and len(stem) >= 3 and stem not in _GENERIC_STEMS:
            keys.add(f"{stem}* (paralogs)")
    return keys


def jaspar_families(
    motifs: Sequence[Motif], release: str = JASPAR_RELEASE
) -> dict[str, frozenset]:
    """TF family labels of each matrix from JASPAR's TFClass annotation, by matrix ID.

    Two matrices are in the same family if their label sets intersect. The labels are
    the TFClass family names JASPAR gives (heterodimers ``A::B`` get both partners'),
    plus a paralog label from the factor name when it ends in a number
    (``EBF1``..``Ebf4`` share ``EBF*``; JASPAR annotates newer matrices with other
    family names, e.g. "EBF-related"); generic prefixes such as ``ZNF`` give none. A
    matrix with no label at all is its own family.

    Used in: chapters 3 (03b) and 8 (08b).
    """
    db = _jaspar_db(release)
    out = {}
    for m in motifs:
        jm = db.fetch_motif_by_id(m.matrix_id)
        if jm is None:
            raise ValueError(
                f"jaspar_families: {m.matrix_id!r} ({m.name}) not in JASPAR {release}"
            )
        labels = set(jm.tf_family or ()) | _stem_keys(m.name)
        out[m.matrix_id] = frozenset(labels or {f"{m.name.upper()} (no family)"})
    return out


Matcher = Callable[[list, Sequence[Motif]], np.ndarray]


def _tomtom_p(queries, motifs):
    return tomtom(queries, motifs)[0]


def recovery_table(
    ppms,
    n_sites,
    planted: Sequence[Motif],
    collection: Sequence[Motif],
    *,
    min_sites: int = 10,
    families: dict | None = None,
    matcher: Matcher | None = None,
) -> pd.DataFrame:
    """Which planted motifs did the filters recover, by exact matrix ID and by family?

    Each filter with at least ``min_sites`` sites is compared with the whole
    ``collection`` (Tomtom by default). For every planted motif, its filter is the one
    on which the planted matrix has the smallest p-value; the motif is recovered
    **exactly** if that filter's best match in the whole collection is the planted
    matrix ID (ties included), and at **family** level if that best match shares a
    JASPAR TF family with it (:func:`jaspar_families`). The planted matrices must be in
    ``collection``.

    Parameters
    ----------
    ppms : (n_filters, 4, w) filter PPMs (:func:`gdl_utils.interpret.filter_pwms`)
    n_sites : (n_filters,) number of sites behind each PPM
    planted, collection : lists of :class:`Motif`
    families : ``jaspar_families(collection)`` (computed when None)
    matcher : ``f(ppm_list, collection) -> (n, n_motifs) p-values``; default Tomtom
        (a hook for tests)

    Returns
    -------
    DataFrame, one row per planted motif: planted, matrix_id, filter, sites, top_match,
    top_id, top_q, planted_q, planted_rank, exact, family.

    Used in: chapter 3 (03b).
    """
    ppms = np.asarray(ppms, dtype=np.float64)
    n_sites = np.asarray(n_sites)
    if ppms.ndim != 3 or ppms.shape[1] != 4 or n_sites.shape != (len(ppms),):
        raise ValueError(
            f"recovery_table: expected ppms (n, 4, w) and n_sites (n,), got "
            f"{ppms.shape} and {n_sites.shape}"
        )
    ids = [m.matrix_id for m in collection]
    missing = [m.matrix_id for m in planted if m.matrix_id not in ids]
    if missing:
        raise ValueError(
            f"recovery_table: planted matrices {missing} are not in the collection"
        )
    used = np.flatnonzero(n_sites >= min_sites)
    if used.size == 0:
        raise ValueError(f"recovery_table: no filter has >= {min_sites} sites")
    families = jaspar_families(collection) if families is None else families
    p = np.asarray(
        (matcher or _tomtom_p)(list(ppms[used]), collection), dtype=np.float64
    )
    if p.shape != (len(used), len(ids)):
        raise ValueError(
            f"recovery_table: matcher returned shape {p.shape}, "
            f"expected {(len(used), len(ids))}"
        )
    q = false_discovery_control(p, axis=-1)
    top = p.argmin(axis=1)
    rows = []
    for m in planted:
        j = ids.index(m.matrix_id)
        k = int(np.lexsort((-n_sites[used], p[:, j]))[0])  # smallest p, then most sites
        t = (
            j if p[k, j] <= p[k, top[k]] else int(top[k])
        )  # a tie with the planted matrix is a match
        rows.append(
            {
                "planted": m.name.upper(),
                "matrix_id": m.matrix_id,
                "filter": int(used[k]),
                "sites": int(n_sites[used[k]]),
                "top_match": collection[t].name,
                "top_id": ids[t],
                "top_q": float(q[k, t]),
                "planted_q": float(q[k, j]),
                "planted_rank": int((p[k] < p[k, j]).sum()) + 1,
                "exact": ids[t] == m.matrix_id,
                "family": bool(families[ids[t]] & families[m.matrix_id]),
            }
        )
    return pd.DataFrame(rows)
