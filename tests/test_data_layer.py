"""Tests of issue 7 §4: datasets of many files in subfolders, the chapter 4-10 mirror,
path safety, pinned content, and robust downloads (deadline, killed downloads,
unwritable cache, corrupt mirror copy, strict GDL_OFFLINE).

Downloads go to a loopback server on 127.0.0.1 only; every cache lives in ``tmp_path``.
Tests reach the package through ``gds.<name>`` so that each one fails on its own (not at
import) where a feature is missing.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from http_server import serve_folder
from shared_data import MIRROR, MIRRORS, UCI, mirror_sums, needs_mirror, needs_uci

import gdl_utils.datasets as gds
from gdl_utils.datasets import (
    DataUnavailableError,
    fetch,
    fetch_with_source,
    load_registry,
)

PINNED_RAW = re.compile(
    r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+"
)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GDL_DATA_DIR", str(tmp_path / "default-cache"))
    monkeypatch.setenv("GDL_OFFLINE", "1")
    for var in ("GDL_DATA_MIRROR", "GDL_DOWNLOAD_DEADLINE"):
        monkeypatch.delenv(var, raising=False)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")


def _listing(folder: Path) -> list[str]:
    return (
        sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
        if folder.exists()
        else []
    )


def _pin(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _toy(folder: Path, name="toy.txt", data=b"ACGT" * 100) -> dict:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return _pin(data)


# -------------------------------------------------------------- §4.1 mirror, many files


@needs_mirror
def test_every_mirror_file_is_registered_with_pinned_source_hash_and_licence():
    registry, sums = load_registry(), mirror_sums()
    registered = {}
    for name, d in registry.items():
        if not d["folder"]:
            continue
        assert d["license"] and d["citation"] and d["description"], name
        for rel, f in d["files"].items():
            registered[f"{d['folder']}/{rel}"] = f
            assert f["size"] == (MIRROR / d["folder"] / rel).stat().st_size, (name, rel)
            if (
                f["url"] is None
            ):  # Bioconductor tarball members: mirror-only, the source says how
                assert re.search(r"bioconductor\.org/\S+\.tar\.gz", d["source"]), name
            else:
                assert PINNED_RAW.fullmatch(f["url"]) and f["url"].endswith(
                    "/" + rel
                ), f["url"]
    assert {k: f["sha256"] for k, f in registered.items()} == sums
    assert (
        len(registry["nanopore_lambda"]["files"]) == 51
    )  # 50 reads + reference: one entry


@needs_uci
@needs_mirror
def test_fetch_dataset_and_dataset_path_from_both_mirrors(tmp_path, monkeypatch):
    monkeypatch.setenv("GDL_DATA_MIRROR", os.pathsep.join(MIRRORS))
    cache = tmp_path / "cache"
    reads = gds.fetch_dataset("nanopore_lambda", cache_dir=cache)
    assert (
        len(reads) == 51
        and len(list((cache / "nanopore_lambda/fast5").glob("*.fast5"))) == 50
    )
    assert all(path == cache / "nanopore_lambda" / rel for rel, path in reads.items())
    train = gds.dataset_path("pum2_eclip", "PUM2_train.csv", cache_dir=cache)
    assert (
        train == cache / "pum2_eclip/PUM2_train.csv"
        and "binding_site" in train.open().readline()
    )
    assert not (cache / "pum2_eclip/PUM2_test.csv").exists()  # only the file asked for
    assert (
        fetch("uci_splice", cache_dir=cache) == cache / "splice.data"
    )  # UCI stays flat, from uci/
    assert (
        gds.dataset_path("pbmc68k_reduced", cache_dir=cache).name
        == "10x_pbmc68k_reduced.h5ad"
    )


def test_many_file_dataset_over_http_keeps_subfolders(tmp_path):
    served, cache = tmp_path / "served", tmp_path / "cache"
    files = {
        "reads/a.fast5": _toy(served / "data", "reads/a.fast5", b"A" * 10),
        "reads/b.fast5": _toy(served / "data", "reads/b.fast5", b"B" * 20),
        "ref.fna": _toy(served / "data", "ref.fna", b">r\nACGT\n"),
    }
    with serve_folder(served) as (base, server):
        registry = {
            "toy": {"folder": "toyset", "base_url": f"{base}/data/", "files": files}
        }
        one = gds.dataset_path(
            "toy", "ref.fna", cache_dir=cache, offline=False, registry=registry
        )
        assert one == cache / "toyset/ref.fna" and server.paths == ["/data/ref.fna"]
        got = gds.fetch_dataset(
            "toy", cache_dir=cache, offline=False, registry=registry, with_sources=True
        )
        assert [src for _, src in got.values()] == [
            f"url {base}/data/reads/a.fast5",
            f"url {base}/data/reads/b.fast5",
            "cache",
        ]
        assert (cache / "toyset/reads/b.fast5").read_bytes() == b"B" * 20
        with pytest.raises(ValueError, match=r"3 files.*fetch_dataset\('toy'\)"):
            fetch("toy", cache_dir=cache, registry=registry)
        with pytest.raises(ValueError, match="no file 'reads/c.fast5'"):
            gds.dataset_path("toy", "reads/c.fast5", cache_dir=cache, registry=registry)
    assert _listing(cache) == [
        "toyset",
        "toyset/reads",
        "toyset/reads/a.fast5",
        "toyset/reads/b.fast5",
        "toyset/ref.fna",
    ]
    with pytest.raises(ValueError, match="not in the data registry"):
        gds.dataset_path("no_such_set", cache_dir=cache)


def test_mirror_only_entry_without_mirror_says_where_the_file_comes_from(tmp_path):
    with pytest.raises(DataUnavailableError) as info:
        gds.dataset_path("bladderbatch", cache_dir=tmp_path / "cache", offline=False)
    msg = str(info.value)
    assert (
        "mirror-only" in msg
        and "bladderbatch_1.36.0.tar.gz" in msg
        and "GDL_DATA_MIRROR" in msg
    )
    assert str(tmp_path / "cache/bladderbatch/bladderdata.rda") in msg


# --------------------------------------------------------------------- §4.2 path safety


@pytest.mark.parametrize(
    "filename", ["../escape.txt", "sub/../../escape.txt", "ABSOLUTE"]
)
def test_file_name_cannot_leave_cache_or_mirror(tmp_path, filename):
    cache, mirror = tmp_path / "a/cache", tmp_path / "b/mirror"
    mirror.mkdir(parents=True)
    data = b"secret" * 10
    if filename == "ABSOLUTE":
        filename = str(tmp_path / "b/escape.txt")
    (tmp_path / "b/escape.txt").write_bytes(
        data
    )  # what "../escape.txt" would read from the mirror
    registry = {
        "evil": {
            "url": "https://example.org/escape.txt",
            "filename": filename,
            **_pin(data),
        }
    }
    with pytest.raises(ValueError, match="'evil'"):
        fetch("evil", cache_dir=cache, mirror=mirror, offline=True, registry=registry)
    assert not (tmp_path / "a/escape.txt").exists() and _listing(tmp_path / "a") in (
        [],
        ["cache"],
    )


def test_symlinks_out_of_cache_or_mirror_are_refused(tmp_path):
    cache, mirror, outside = (
        tmp_path / "cache",
        tmp_path / "mirror",
        tmp_path / "outside",
    )
    for folder in (cache, mirror, outside):
        folder.mkdir()
    data = b"ACGT" * 10
    (outside / "toy.txt").write_bytes(data)
    registry = {
        "toy": {
            "url": "https://example.org/toy.txt",
            "filename": "sub/toy.txt",
            **_pin(data),
        }
    }
    (mirror / "sub").symlink_to(outside)  # reading through a symlinked mirror folder
    with pytest.raises(ValueError, match="'toy'.*outside"):
        fetch("toy", cache_dir=cache, mirror=mirror, offline=True, registry=registry)
    (mirror / "sub").unlink()
    _toy(mirror / "sub", "toy.txt", data)
    shutil.rmtree(cache / "sub", ignore_errors=True)
    (cache / "sub").symlink_to(outside)  # writing through a symlinked cache folder
    (outside / "toy.txt").unlink()
    with pytest.raises(ValueError, match="'toy'.*outside"):
        fetch("toy", cache_dir=cache, mirror=mirror, offline=True, registry=registry)
    assert _listing(outside) == []


# ------------------------------------------------------------------ §4.3 pinned content


def test_every_file_must_pin_its_content():
    with pytest.raises(ValueError, match="'loose'.*does not pin its content"):
        load_registry({"loose": {"url": "https://example.org/x.txt"}})
    with pytest.raises(
        ValueError, match="records_sha256"
    ):  # content checks alone do not pin content
        load_registry(
            {
                "loose": {
                    "url": "https://example.org/p.data",
                    "format": "uci_promoters",
                    "checks": {"records": 106},
                }
            }
        )


@needs_uci
def test_cached_promoters_with_flipped_labels_are_rejected(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    original = (UCI / "promoters.data").read_text()
    flipped = original.translate(
        str.maketrans("+-", "-+")
    )  # still 53/53, 106 records of 57 nt
    (cache / "promoters.data").write_text(flipped)
    with (
        pytest.warns(UserWarning, match="records"),
        pytest.raises(DataUnavailableError),
    ):
        fetch("uci_promoters", cache_dir=cache, offline=True)
    assert not (cache / "promoters.data").exists()
    (cache / "promoters.data").write_text(flipped)
    with pytest.warns(UserWarning, match="deleting it"):
        path, source = fetch_with_source(
            "uci_promoters", cache_dir=cache, mirror=UCI, offline=True
        )
    assert source.startswith("mirror") and path.read_text() == original


# ----------------------------------------------------------------------- §4.4 downloads


@pytest.mark.parametrize("interval, size", [(2.0, 6), (0.25, 20)])
def test_download_has_an_overall_deadline(tmp_path, monkeypatch, interval, size):
    served, cache = tmp_path / "served", tmp_path / "cache"
    entry = _toy(served, data=b"A" * size)
    monkeypatch.setenv("GDL_DOWNLOAD_DEADLINE", "1")
    with serve_folder(served, drip={"toy.txt": interval}) as (base, _):
        registry = {"toy": dict(entry, url=f"{base}/toy.txt")}
        start = time.monotonic()
        with pytest.raises(DataUnavailableError, match=f"{base}/toy.txt") as info:
            fetch("toy", cache_dir=cache, offline=False, registry=registry)
        elapsed = time.monotonic() - start
    assert elapsed < 4, f"gave up only after {elapsed:.1f} s"
    if (
        interval < 1
    ):  # every read returns in time: only the overall deadline can stop it
        assert "deadline of 1 s (GDL_DOWNLOAD_DEADLINE)" in str(info.value)
    assert _listing(cache) == []


_CHILD = """
import sys
from gdl_utils.datasets import fetch
fetch("toy", cache_dir=sys.argv[1], offline=False,
      registry={"toy": {"url": sys.argv[2], "sha256": sys.argv[3], "size":
      int(sys.argv[4])}})
"""


def test_killed_download_leaves_no_temporary_after_next_fetch(tmp_path):
    served, cache, mirror = tmp_path / "served", tmp_path / "cache", tmp_path / "mirror"
    data = b"ACGT" * 100
    entry = _toy(served, data=data)
    _toy(mirror, data=data)
    with serve_folder(served, drip={"toy.txt": 0.05}) as (base, _):
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CHILD,
                str(cache),
                f"{base}/toy.txt",
                entry["sha256"],
                str(entry["size"]),
            ]
        )
        try:
            deadline = time.monotonic() + 60
            while not any(p.name.startswith(".") for p in cache.glob(".*")):
                assert child.poll() is None and time.monotonic() < deadline, (
                    "no download started"
                )
                time.sleep(0.05)
        finally:
            child.kill()
            child.wait()
    assert _listing(cache)  # the kill left a temporary behind ...
    registry = {"toy": dict(entry, url="https://example.org/toy.txt")}
    fetch("toy", cache_dir=cache, mirror=mirror, offline=True, registry=registry)
    assert _listing(cache) == ["toy.txt"]  # ... and the next fetch removed it


@pytest.mark.parametrize("failure", ["read-only", "full"])
def test_unwritable_cache_names_gdl_data_dir(tmp_path, monkeypatch, failure):
    cache, mirror = tmp_path / "cache", tmp_path / "mirror"
    entry = _toy(mirror)
    cache.mkdir()
    registry = {"toy": dict(entry, url="https://example.org/toy.txt")}

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    if failure == "full":
        monkeypatch.setattr(shutil, "copyfileobj", no_space)
    else:
        monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(DataUnavailableError) as info:
        fetch("toy", cache_dir=cache, mirror=mirror, offline=True, registry=registry)
    msg = str(info.value)
    assert "GDL_DATA_DIR" in msg and str(cache) in msg
    assert ("No space left" if failure == "full" else "Read-only") in msg
    monkeypatch.undo()
    assert _listing(cache) == []


def test_cache_entry_that_is_a_directory_is_named(tmp_path):
    """Issue 24 §3: a folder where the cached file belongs gave a raw
    IsADirectoryError naming only a temporary."""
    cache, mirror = tmp_path / "cache", tmp_path / "mirror"
    entry = _toy(mirror)
    (cache / "toy.txt").mkdir(parents=True)
    (cache / "toy.txt" / "notes").write_text("mine")
    registry = {"toy": dict(entry, url="https://example.org/toy.txt")}
    with pytest.raises(DataUnavailableError) as info:
        fetch("toy", cache_dir=cache, mirror=mirror, offline=True, registry=registry)
    msg = str(info.value)
    assert f"{cache / 'toy.txt'} is a directory, not a file" in msg
    assert "GDL_DATA_DIR" in msg and ".part" not in msg
    assert _listing(cache) == ["toy.txt", "toy.txt/notes"]  # nothing deleted


def test_file_too_large_for_the_cache_is_named(tmp_path, monkeypatch):
    """Issue 24 §3: EFBIG (file larger than the file system or ``ulimit -f`` allow)
    was a raw ``OSError: [Errno 27] File too large``."""
    cache, mirror = tmp_path / "cache", tmp_path / "mirror"
    entry = _toy(mirror)
    registry = {"toy": dict(entry, url="https://example.org/toy.txt")}

    def too_large(*args, **kwargs):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(shutil, "copyfileobj", too_large)
    with pytest.raises(DataUnavailableError) as info:
        fetch("toy", cache_dir=cache, mirror=mirror, offline=True, registry=registry)
    msg = str(info.value)
    assert f"cannot write {cache / 'toy.txt'}" in msg and "File too large" in msg
    assert "400 bytes needed" in msg and "GDL_DATA_DIR" in msg
    assert "file size limit" in msg
    monkeypatch.undo()
    assert _listing(cache) == []


def test_corrupt_mirror_copy_falls_back_to_url(tmp_path):
    mirror, origin, cache = tmp_path / "mirror", tmp_path / "origin", tmp_path / "cache"
    entry = _toy(origin)
    _toy(mirror, data=b"ACGT" * 99 + b"ACGA")  # same size, one base changed
    with serve_folder(origin) as (base, _):
        registry = {"toy": dict(entry, url=f"{base}/toy.txt")}
        with pytest.warns(UserWarning, match="ignoring this mirror copy"):
            path, source = fetch_with_source(
                "toy", cache_dir=cache, mirror=mirror, offline=False, registry=registry
            )
        assert source == f"url {base}/toy.txt" and path.read_bytes() == b"ACGT" * 100
        path.unlink()
        with pytest.warns(UserWarning), pytest.raises(DataUnavailableError) as info:
            fetch(
                "toy", cache_dir=cache, mirror=mirror, offline=True, registry=registry
            )
    msg = str(info.value)
    assert (
        str(mirror / "toy.txt") in msg
        and "sha256 mismatch" in msg
        and f"{base}/toy.txt" in msg
    )
    assert _listing(cache) == []


@pytest.mark.parametrize(
    "value, offline",
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("OFF", False),
    ],
)
def test_gdl_offline_clear_values(tmp_path, monkeypatch, value, offline):
    served = tmp_path / "served"
    entry = _toy(served)
    monkeypatch.setenv("GDL_OFFLINE", value)
    with serve_folder(served) as (base, server):
        registry = {"toy": dict(entry, url=f"{base}/toy.txt")}
        if offline:
            with pytest.raises(DataUnavailableError, match="offline"):
                fetch("toy", cache_dir=tmp_path / "cache", registry=registry)
        else:
            fetch("toy", cache_dir=tmp_path / "cache", registry=registry)
        assert server.paths == ([] if offline else ["/toy.txt"])


@pytest.mark.parametrize(
    "var, value",
    [
        ("GDL_OFFLINE", "maybe"),
        ("GDL_OFFLINE", "2"),
        ("GDL_OFFLINE", "offline"),
        ("GDL_DOWNLOAD_DEADLINE", "soon"),
        ("GDL_DOWNLOAD_DEADLINE", "-1"),
    ],
)
def test_unclear_settings_are_errors_naming_the_variable(
    tmp_path, monkeypatch, var, value
):
    monkeypatch.setenv(var, value)
    registry = {
        "toy": {"url": "http://127.0.0.1:9/toy.txt", "sha256": "0" * 64}
    }  # loopback, refused
    with pytest.raises(ValueError, match=f"{var}='{value}'"):
        fetch("toy", cache_dir=tmp_path / "cache", registry=registry)
