"""Raw nanopore reads of lambda phage (``nanopore_lambda``): FAST5 files read with h5py.

Each of the 50 FAST5 files (R9.4.1, 4 kHz; Pagès-Gallego & de Ridder 2023) holds one
read:

- ``Raw/Reads/Read_*/Signal``: the raw current, int16 ADC units;
- ``Analyses/RawGenomeCorrected_000/BaseCalled_template``: tombo's resquiggle. The
  ``Events`` table has one row per *reference* base, in the read's 5'->3' direction:
  ``start`` and ``length`` in the signal (relative to the group's attribute
  ``read_start_rel_to_raw``) and ``base``; the ``Alignment`` group's attributes give the
  mapped region ``[mapped_start, mapped_end)`` of the reference and ``mapped_strand``;
- ``Analyses/Basecall_1D_000/BaseCalled_template/Fastq``: the production basecaller's
  read (Guppy 4.3.4, high-accuracy model), used as the anchor.

On the ``-`` strand the read runs along the reverse complement: event ``i`` is the
complement of reference position ``mapped_end - 1 - i``.

Used in: ch. 4 (CTC basecalling).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from ..dna.seqio import read_fasta
from .fetching import dataset_path, fetch_dataset

__all__ = [
    "NanoporeRead",
    "read_fast5",
    "load_nanopore_reads",
    "load_lambda_reference",
]

DATASET = "nanopore_lambda"
RESQUIGGLE = "Analyses/RawGenomeCorrected_000/BaseCalled_template"
BASECALL = "Analyses/Basecall_1D_000/BaseCalled_template/Fastq"


@dataclass(frozen=True)
class NanoporeRead:
    """One resquiggled read.

    Attributes
    ----------
    read_id : str
    file : str, the FAST5 file's name (for error messages)
    signal : (n_samples,) int16 raw current of the whole read (ADC units; a float
        current in pA is read as it is, and must be finite)
    starts : (n_bases,) int64 index in ``signal`` where each reference base begins
    lengths : (n_bases,) int64 samples of each base
    bases : str of length n_bases, the reference bases in the read's direction (ACGT)
    ref_start, ref_end : int, mapped reference region ``[ref_start, ref_end)``
    strand : "+" or "-"
    guppy : str, the production basecaller's sequence of the whole read

    Used in: ch. 4 (CTC basecalling).
    """

    read_id: str
    file: str
    signal: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    bases: str
    ref_start: int
    ref_end: int
    strand: str
    guppy: str

    def ref_positions(self) -> np.ndarray:
        """(n_bases,) int64 reference position of each base (decreasing on "-").

        Used in: ch. 4 (CTC basecalling).
        """
        n = len(self.bases)
        if self.strand == "+":
            return self.ref_start + np.arange(n, dtype=np.int64)
        return self.ref_end - 1 - np.arange(n, dtype=np.int64)


def _get(h5: h5py.File, key: str, where: str):
    if key not in h5:
        have = sorted(h5["Analyses"]) if "Analyses" in h5 else sorted(h5)
        raise ValueError(
            f"{where}: no {key!r} in the FAST5 (found {have}); expected a read"
            " resquiggled by tombo with a basecall group"
        )
    return h5[key]


def _attr(attrs, key: str, where: str, group: str):
    if key not in attrs:
        raise ValueError(
            f"{where}: {group} has no attribute {key!r} (found {sorted(attrs)});"
            " expected a read resquiggled by tombo"
        )
    return attrs[key]


def _int_attr(attrs, key: str, where: str, group: str) -> int:
    value = _attr(attrs, key, where, group)
    v = value.item() if isinstance(value, np.generic) else value
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise ValueError(
            f"{where}: the attribute {key!r} of {group} is {v!r}; expected an integer"
        )
    return int(v)


def _check_signal(signal: np.ndarray, where: str, name: str) -> None:
    if signal.dtype.kind not in "iuf":
        raise ValueError(
            f"{where}: {name} has dtype {signal.dtype}; expected numbers (int16 ADC"
            " units, or the current in pA)"
        )
    if signal.ndim != 1:
        raise ValueError(
            f"{where}: {name} has shape {signal.shape}; expected (n_samples,)"
        )
    bad = np.flatnonzero(~np.isfinite(signal)) if signal.dtype.kind == "f" else []
    if len(bad):
        raise ValueError(
            f"{where}: {name} sample {bad[0]} is {signal[bad[0]]} ({len(bad)} samples"
            " are not finite); expected finite current values"
        )


def _check_events(starts, lengths, where: str) -> None:
    """Events follow the signal: each base has samples and starts after the last."""
    short = np.flatnonzero(lengths < 1)
    if short.size:
        i = int(short[0])
        raise ValueError(
            f"{where}: event {i} has length {lengths[i]}; expected >= 1 sample a base"
        )
    ends = starts[:-1] + lengths[:-1]
    bad = np.flatnonzero(starts[1:] < ends)
    if bad.size:
        i = int(bad[0]) + 1
        raise ValueError(
            f"{where}: event {i} starts at sample {starts[i]}, before event {i - 1}"
            f" ends (sample {ends[i - 1]}); expected events in signal order without"
            " overlap"
        )


def _text(value) -> str:
    value = value[()] if isinstance(value, h5py.Dataset) else value
    return value.decode() if isinstance(value, bytes) else str(value)


def read_fast5(path) -> NanoporeRead:
    """Read one single-read FAST5 file of the resquiggled lambda data.

    Parameters
    ----------
    path : path-like, a ``.fast5`` file

    Returns
    -------
    NanoporeRead (signal (n_samples,) int16; starts/lengths (n_bases,) int64)

    Raises
    ------
    ValueError
        A file that is not HDF5, a missing group (``Raw/Reads``, the resquiggle
        ``Events`` / ``Alignment``, the basecall ``Fastq``) or attribute
        (``read_start_rel_to_raw``, ``mapped_start``, ``mapped_end``,
        ``mapped_strand``), a signal that is not a 1-d array of finite numbers,
        bases outside ACGT, events out of signal order or overlapping, base positions
        outside the signal, or a strand other than ``"+"`` / ``"-"`` -- naming the
        file, the read id and the field.

    Used in: ch. 4 (CTC basecalling).
    """
    path = Path(path)
    try:
        h5 = h5py.File(path, "r")
    except OSError as err:
        raise ValueError(
            f"{path.name}: not a readable FAST5 (HDF5) file: {err}"
        ) from err
    with h5:
        reads = _get(h5, "Raw/Reads", path.name)
        if len(reads) != 1:
            raise ValueError(
                f"{path.name}: expected one read in Raw/Reads, found {len(reads)}"
            )
        raw = next(iter(reads.values()))
        read_id = _text(raw.attrs.get("read_id", path.stem))
        where = f"{path.name} (read {read_id})"
        signal = np.asarray(_get(raw, "Signal", where)[()])
        _check_signal(signal, where, f"{raw.name.lstrip('/')}/Signal")
        group = _get(h5, RESQUIGGLE, where)
        events = _get(group, "Events", where)
        align = dict(_get(group, "Alignment", where).attrs)
        ev_attrs = dict(events.attrs)
        table = events[()]
        fastq = _text(_get(h5, BASECALL, where)).split("\n")
    offset = _int_attr(ev_attrs, "read_start_rel_to_raw", where, f"{RESQUIGGLE}/Events")
    missing = {"start", "length", "base"} - set(table.dtype.names or ())
    if missing:
        raise ValueError(
            f"{where}: {RESQUIGGLE}/Events has no field(s) {sorted(missing)} (found"
            f" {list(table.dtype.names or ())})"
        )
    starts = table["start"].astype(np.int64) + offset
    lengths = table["length"].astype(np.int64)
    _check_events(starts, lengths, where)
    bases = b"".join(table["base"]).decode().upper()
    bad = set(bases) - set("ACGT")
    if bad:
        i = next(i for i, b in enumerate(bases) if b in bad)
        raise ValueError(
            f"{where}: resquiggle base {bases[i]!r} at event {i} is not one of ACGT"
        )
    if len(bases) and (starts[0] < 0 or starts[-1] + lengths[-1] > len(signal)):
        raise ValueError(
            f"{where}: resquiggled bases span samples {starts[0]}.."
            f"{starts[-1] + lengths[-1]}, outside the signal of {len(signal)} samples"
        )
    group = f"{RESQUIGGLE}/Alignment"
    ref_start = _int_attr(align, "mapped_start", where, group)
    ref_end = _int_attr(align, "mapped_end", where, group)
    strand = _text(_attr(align, "mapped_strand", where, group))
    if strand not in ("+", "-"):  # not `in "+-"`: "" and "+-" are substrings
        raise ValueError(
            f"{where}: the attribute 'mapped_strand' of {group} is {strand!r};"
            " expected '+' or '-'"
        )
    if ref_end - ref_start != len(bases):
        raise ValueError(
            f"{where}: mapped region {ref_start}-{ref_end} strand {strand!r} does not"
            f" match the {len(bases)} resquiggled bases"
        )
    if len(fastq) < 2 or not fastq[0].startswith("@"):
        raise ValueError(f"{where}: the basecall Fastq is not a FASTQ record")
    return NanoporeRead(
        read_id, path.name, signal, starts, lengths, bases, ref_start, ref_end,
        strand, fastq[1].strip().upper(),
    )  # fmt: skip


def load_nanopore_reads(**fetch_kw) -> list[NanoporeRead]:
    """Every read of the registered ``nanopore_lambda`` data, sorted by read id.

    ``fetch_kw`` go to :func:`~gdl_utils.datasets.fetch_dataset` (cache, mirror,
    offline).

    Used in: ch. 4 (CTC basecalling).
    """
    files = fetch_dataset(DATASET, **fetch_kw)
    reads = [read_fast5(p) for rel, p in files.items() if rel.endswith(".fast5")]
    return sorted(reads, key=lambda r: r.read_id)


def load_lambda_reference(**fetch_kw) -> str:
    """The 48,502-bp lambda phage reference (``Lambda_NEB``), upper case.

    Used in: ch. 4 (CTC basecalling).
    """
    records = read_fasta(dataset_path(DATASET, "Lambda_phage.fna", **fetch_kw))
    if len(records) != 1:
        raise ValueError(f"Lambda_phage.fna: expected one record, found {len(records)}")
    return records[0][1].upper()
