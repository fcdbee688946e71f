"""Reading and writing FASTA files, with errors that name the file and the line.

Line numbers in error messages are 1-based (as in an editor), positions inside a line
0-based (as in Python). Files ending in ``.gz`` are read and written gzip-compressed.
Lines may end in ``\\n`` (Unix), ``\\r\\n`` (Windows) or a lone ``\\r`` (classic
Mac OS). Text must be UTF-8; a bad byte or a truncated or corrupt ``.gz`` file raise
``ValueError`` naming the file and the line. The line reader here is shared with
:mod:`gdl_utils.dna.bed` (BED intervals).
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

#: Letters accepted in FASTA sequence lines: IUPAC nucleotide codes and U, either case.
NUCLEOTIDES = "ACGTUNRYSWKMBDHV"


def _open(path, mode: str):
    path = Path(path)
    return gzip.open(path, mode) if path.suffix == ".gz" else open(path, mode)


def _lines(path) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without its ``\\n``, ``\\r\\n`` or ``\\r`` ending) of
    a file or ``.gz``."""
    lineno = 0
    try:
        with _open(path, "rb") as handle:
            for raw in handle:
                body = raw[:-1] if raw.endswith(b"\n") else raw
                body = body[:-1] if body.endswith(b"\r") else body
                for piece in (
                    body.split(b"\r") if b"\r" in body else (body,)
                ):  # classic Mac line endings
                    lineno += 1
                    yield lineno, piece
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ValueError(
            f"{path}: truncated or corrupt gzip file ({err}); {lineno} lines were read "
            "before the error"
        ) from err


def _text(line: bytes, path, lineno: int) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path}, line {lineno}: not valid UTF-8 (byte "
            f"{line[err.start : err.start + 1]!r} at "
            f"position {err.start})"
        ) from err


def _first_invalid(line: bytes, valid: bytes) -> int | None:
    """0-based position of the first byte of ``line`` not in ``valid`` (C-speed
    ``bytes.translate``)."""
    leftover = line.translate(None, valid)
    return line.index(leftover[:1]) if leftover else None


def _char_at(line: bytes, pos: int) -> str:
    """The (possibly multi-byte UTF-8) character starting at byte ``pos``, for error
    messages."""
    return line[pos : pos + 4].decode("utf-8", errors="ignore")[:1] or repr(
        line[pos : pos + 1]
    )


def read_fasta(
    path: str | os.PathLike,
    *,
    alphabet: str | None = NUCLEOTIDES,
    allow_empty: bool = False,
    allow_duplicates: bool = False,
) -> list[tuple[str, str]]:
    """Read a FASTA file into ``(id, sequence)`` pairs.

    The id is the first word of the header line (the text after ``>`` up to the first
    whitespace); the
    sequence is the concatenation of the following lines, with case kept. Blank lines
    are skipped.

    Parameters
    ----------
    path : str or path-like (``.gz`` is decompressed)
    alphabet : str or None
        Letters allowed in sequence lines (upper case; lower case is allowed too);
        ``None`` disables the
        check. Default: IUPAC nucleotide codes plus ``U``.
    allow_empty : bool
        Accept records without sequence (otherwise ``ValueError`` naming the record and
        its line).
    allow_duplicates : bool
        Accept an id that occurs twice (otherwise ``ValueError`` naming the id and both
        lines).

    Returns
    -------
    records : list of (id, sequence) tuples, in file order

    Raises
    ------
    ValueError
        Naming the file and line for an empty file, sequence data before the first ``>``
        header, an
        empty header, an invalid character in a sequence line (with the character and
        its position),
        bytes that are not UTF-8, a record without sequence, a duplicate id, or a
        truncated ``.gz``.

    Used in: ch. 1 (reading sequences).
    """
    valid = (
        None
        if alphabet is None
        else (alphabet.upper() + alphabet.lower()).encode("ascii")
    )
    records: list[tuple[str, list[bytes]]] = []
    header_line: list[int] = []
    for lineno, raw in _lines(path):
        line = raw.rstrip()  # trailing whitespace
        if not line:
            continue
        if line.startswith(b">"):
            header = _text(line, path, lineno)[1:].strip()
            if not header:
                raise ValueError(
                    f"{path}, line {lineno}: empty FASTA header ('>' without an id)"
                )
            records.append((header.split()[0], []))
            header_line.append(lineno)
            continue
        if not records:
            raise ValueError(
                f"{path}, line {lineno}: sequence data before the first '>' header "
                f"(line starts with {line[:20].decode('utf-8', errors='replace')!r})"
            )
        bad = None if valid is None else _first_invalid(line, valid)
        if bad is not None:
            raise ValueError(
                f"{path}, line {lineno}: invalid character {_char_at(line, bad)!r} at "
                f"position {bad} of the sequence line"
            )
        if valid is None:
            _text(line, path, lineno)
        records[-1][1].append(line)
    if not records:
        raise ValueError(
            f"{path}: empty file, no FASTA records (expected a '>' header line)"
        )
    seen: dict[str, int] = {}
    for (rid, chunks), lineno in zip(records, header_line):
        if not chunks and not allow_empty:
            raise ValueError(
                f"{path}, line {lineno}: record {rid!r} has no sequence "
                "(pass allow_empty=True to keep empty records)"
            )
        if rid in seen and not allow_duplicates:
            raise ValueError(
                f"{path}, line {lineno}: duplicate id {rid!r} (first at line "
                f"{seen[rid]}; "
                "pass allow_duplicates=True to keep both)"
            )
        seen.setdefault(rid, lineno)
    return [(rid, b"".join(chunks).decode("utf-8")) for rid, chunks in records]


def write_fasta(
    records: Iterable[tuple[str, str]] | Mapping[str, str],
    path: str | os.PathLike,
    *,
    width: int | None = 60,
) -> Path:
    """Write ``(id, sequence)`` pairs (or a ``{id: sequence}`` mapping) as FASTA.

    Parameters
    ----------
    records : iterable of (id, sequence) or mapping id -> sequence
    path : output file (``.gz`` is compressed)
    width : int or None
        Letters per sequence line; ``None`` writes each sequence on one line.

    Returns
    -------
    path : pathlib.Path of the written file

    Raises
    ------
    ValueError
        For an empty id or one containing whitespace (it would not survive
        :func:`read_fasta`), or a
        sequence holding characters outside ``NUCLEOTIDES`` (record index, character and
        position).

    Used in: no notebook yet (exporting sequences for other tools).
    """
    if width is not None and width < 1:
        raise ValueError(f"width must be >= 1 or None, got {width}")
    items = records.items() if isinstance(records, Mapping) else records
    valid = (NUCLEOTIDES + NUCLEOTIDES.lower()).encode("ascii")
    lines = []
    for i, (rid, seq) in enumerate(items):
        rid = str(rid)
        if not rid or rid != "".join(rid.split()):
            raise ValueError(f"record {i}: id {rid!r} is empty or contains whitespace")
        data = seq.encode("ascii", errors="replace")
        bad = _first_invalid(data, valid)
        if bad is not None:
            raise ValueError(
                f"record {i} ({rid}): invalid character {seq[bad]!r} at position {bad}"
            )
        step = width or max(len(seq), 1)
        lines.append(
            f">{rid}\n"
            + "".join(seq[j : j + step] + "\n" for j in range(0, len(seq), step))
        )
    with _open(path, "wt") as handle:
        handle.write("".join(lines))
    return Path(path)
