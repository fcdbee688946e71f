"""Protein sets of chapter 11: FLIP secondary structure and SCL2205 localisation.

- :func:`load_flip_ss`: the FLIP "secondary_structure" split (Dallago et al. 2021) of
  NetSurfP-2.0's data (Klausen et al. 2019): 9,712 training and 1,080 validation
  chains and 364 test chains (NEW364), each with a 3-state label string (H/E/C) and a
  mask string (1 = resolved in the structure; score only those residues). Read from
  ``splits.zip`` (``sequences.fasta``, ``sampled.fasta`` with ``SET=``/``VALIDATION=``
  in the headers, ``mask.fasta``), every chain checked.
- :func:`load_scl2205`: 19,074 UniProt proteins in 13 localisation classes with the
  data set's homology-reduced train/eval/test split.

Rare letters (U selenocysteine, O pyrrolysine, B ambiguity: 11 chains of FLIP and 30
of SCL2205) are read as ``X`` (``rare="x"`` of
:func:`gdl_utils.proteins.encode_protein`); anything else outside the alphabet is an
error naming the chain and position.

Used in: chapter 11 (11a, 11b).
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd

from ..proteins.alphabet import encode_labels, encode_protein
from .fetching import dataset_path

__all__ = ["load_flip_ss", "load_scl2205", "parse_fasta_text"]

_ZIP = "splits/secondary_structure/splits.zip"


def parse_fasta_text(text: str, source: str = "FASTA") -> list[tuple[str, str]]:
    """``(header, sequence)`` pairs of FASTA text; the header is the whole line after
    ``>``. A sequence line before any header, or a record without lines, is an error
    naming ``source`` and the line.

    Used in: chapter 11 (through ``load_flip_ss``).
    """
    records: list[tuple[str, list[str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith(">"):
            records.append((line[1:].strip(), []))
        elif not records:
            raise ValueError(f"{source}, line {number}: sequence before any header")
        else:
            records[-1][1].append(line)
    for head, lines in records:
        if not lines:
            raise ValueError(f"{source}: record {head!r} has no sequence")
    return [(h, "".join(lines)) for h, lines in records]


def load_flip_ss(path=None) -> pd.DataFrame:
    """The FLIP secondary-structure chains, one row per chain, checked.

    Parameters
    ----------
    path : the ``splits.zip`` (default: the registered file of ``flip_ss``)

    Returns
    -------
    DataFrame with columns ``name``, ``seq`` (str), ``ss`` (H/E/C string), ``mask``
    (0/1 string), ``split`` ("train", "validation" or "test"), ``codes`` ((L,) int64
    from :func:`~gdl_utils.proteins.encode_protein`, rare letters as X), ``labels``
    ((L,) int64, H=0 E=1 C=2) and ``resolved`` ((L,) bool); in file order.

    Raises
    ------
    ValueError naming the chain: headers that differ between the three files, a label
    or mask string of the wrong length, a letter outside the alphabets, a header
    without ``SET=``.

    Used in: chapter 11 (11a).
    """
    path = dataset_path("flip_ss", _ZIP) if path is None else path
    with zipfile.ZipFile(path) as z:
        seqs, labs, masks = (
            parse_fasta_text(z.read(f"splits/{m}.fasta").decode(), m)
            for m in ("sequences", "sampled", "mask")
        )
    rows = []
    for (h, seq), (hl, ss), (hm, mask) in zip(seqs, labs, masks, strict=True):
        name = h.split()[0]
        if hl.split()[0] != name or hm.split()[0] != name:
            raise ValueError(
                f"{name}: headers differ ({hl.split()[0]}, {hm.split()[0]})"
            )
        tags = dict(t.split("=", 1) for t in hl.split()[1:] if "=" in t)
        if "SET" not in tags:
            raise ValueError(f"{name}: label header {hl!r} has no SET=")
        split = tags["SET"]
        if split == "train" and tags.get("VALIDATION") == "True":
            split = "validation"
        codes = encode_protein(seq, name, rare="x")
        labels = encode_labels(ss, len(seq), name)
        if len(mask) != len(seq) or set(mask) - {"0", "1"}:
            raise ValueError(
                f"{name}: mask of {len(mask)} letters {set(mask)} for "
                f"a chain of {len(seq)} residues"
            )
        resolved = np.frombuffer(mask.encode(), np.uint8) == ord("1")
        rows.append((name, seq, ss, mask, split, codes, labels, resolved))
    cols = ["name", "seq", "ss", "mask", "split", "codes", "labels", "resolved"]
    return pd.DataFrame(rows, columns=cols)


def load_scl2205() -> tuple[pd.DataFrame, list[str]]:
    """SCL2205 localisation: one row per protein, and the 13 class names.

    Returns
    -------
    frame : DataFrame with columns ``entry`` (UniProt accession), ``seq``, ``scl``
        (class index 0..12), ``location`` (class name), ``split`` ("train", "eval",
        "test", the data set's homology-reduced split) and ``codes`` ((L,) int64,
        rare letters as X)
    classes : list of 13 names, ``classes[i]`` the name of class ``i``

    Raises
    ------
    ValueError: an unknown class index, a protein in no split or in two, a letter
    outside the alphabet (naming the entry and position).

    Used in: chapter 11 (11b).
    """
    df = pd.read_csv(dataset_path("scl2205", "scldata/data/scl2205.csv"))
    with open(dataset_path("scl2205", "scldata/data/labels.json")) as f:
        index_to_label = json.load(f)["index_to_label"]
    with open(dataset_path("scl2205", "scldata/data/splits.json")) as f:
        splits = json.load(f)
    classes = [index_to_label[str(i)] for i in range(len(index_to_label))]
    bad = ~df["scl"].isin(range(len(classes)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{df.entry[i]}: unknown class {df.scl[i]!r}")
    split = np.full(len(df), "", dtype=object)
    for key, name in (("trn", "train"), ("evl", "eval"), ("tst", "test")):
        rows = np.asarray(splits[key])
        if (split[rows] != "").any():
            raise ValueError(f"a protein of split {name!r} is in another split too")
        split[rows] = name
    if (split == "").any():
        raise ValueError(
            f"{df.entry[int(np.flatnonzero(split == '')[0])]}: in no split"
        )
    codes = [
        encode_protein(s, e, rare="x") for e, s in zip(df.entry, df.seq, strict=True)
    ]
    return df.assign(
        location=[classes[i] for i in df.scl], split=split, codes=codes
    ), classes
