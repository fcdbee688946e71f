"""Tests of the data registry: cache, folder mirror, loopback HTTP downloads,
verification, CLI.

Real files come from the shared UCI mirror (skipped when absent); downloads go to a
loopback server on 127.0.0.1 only. Every cache lives in ``tmp_path``; GDL_OFFLINE=1
unless a test needs the loopback server. The chapter 4-10 mirror, path safety, record
hashes and download robustness: ``test_data_layer.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from http_server import serve_folder
from shared_data import (
    MIRRORS,
)
from shared_data import (
    UCI as MIRROR,
)
from shared_data import (
    needs_mirror as needs_data_mirror,
)
from shared_data import (
    needs_uci as needs_mirror,
)

from gdl_utils.datasets import (
    DataIntegrityError,
    DataUnavailableError,
    fetch,
    fetch_with_source,
    list_datasets,
    load_registry,
)
from gdl_utils.datasets.__main__ import main
from gdl_utils.datasets.fetching import cache_path
from gdl_utils.datasets.integrity import sha256_of

PROMOTER_LINES = [
    "+,S10,\t\ttactagcaatacgcttgcgttcggtggttaagtatgtataatgcgcgggcttgtcgt",
    "-,867,\t\tatatgaacgttgagactgccgctgagttatcagctgtgaacgacattctggcgtcta",
    "+,AMPC,\t\ttgctatcctgacagttgtcacgctgattggtgtcgttacaatctaacgcatcgccaa",
]


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Never touch the user's cache or the network: cache in tmp_path, offline."""
    monkeypatch.setenv("GDL_DATA_DIR", str(tmp_path / "default-cache"))
    monkeypatch.setenv("GDL_OFFLINE", "1")
    monkeypatch.delenv("GDL_DATA_MIRROR", raising=False)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")


def _listing(folder: Path) -> list[str]:
    """Every entry (hidden temporaries included) under ``folder``."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _toy(folder: Path, name="toy.txt", data=b"ACGT" * 100) -> dict:
    """Write a small file to ``folder`` and return its registry entry template."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return {
        "filename": name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


# -------------------------------------------------------------------- packaged registry


def test_packaged_registry_entries_are_complete():
    entries = load_registry()
    assert {"uci_splice", "uci_splice_names", "uci_promoters"} <= set(entries)
    for name, entry in entries.items():
        assert entry["license"] and entry["citation"] and entry["description"], name
        for rel, f in entry["files"].items():
            # a direct https URL, or a mirror-only entry that says where it comes from
            assert (f["url"] or "").startswith("https://") or "tar.gz" in entry[
                "source"
            ], (name, rel)
            # every file pins its content: byte hash, or a hash of its parsed records
            assert f["sha256"] or (f["format"] and f["records_sha256"]), (name, rel)
    assert list(list_datasets()["name"]) == list(entries)


@needs_mirror
def test_registry_hashes_match_mirror_files():
    for name, entry in load_registry().items():
        if entry["folder"]:
            continue  # chapter 4-10 datasets: test_data_layer.py
        f = entry["files"][entry["filename"]]
        path = MIRROR / entry["filename"]
        if f["sha256"]:
            assert sha256_of(path) == f["sha256"], name
            assert path.stat().st_size == f["size"], name


def test_registry_rejects_entry_without_url_and_unknown_name(tmp_path):
    with pytest.raises(ValueError, match="'bad' needs a 'url'"):
        load_registry({"bad": {"sha256": None}})
    with pytest.raises(KeyError, match="not in the data registry"):
        fetch("no_such_file", cache_dir=tmp_path)


def test_registry_from_json_file_and_filename_default(tmp_path):
    path = tmp_path / "reg.json"
    path.write_text(
        json.dumps(
            {"x": {"url": "https://example.org/a/b/file.tsv", "sha256": "0" * 64}}
        )
    )
    assert load_registry(path)["x"]["filename"] == "file.tsv"
    assert list(load_registry(path)["x"]["files"]) == ["file.tsv"]


# -------------------------------------------------------------- folder mirror and cache


@needs_mirror
def test_folder_mirror_then_cache(tmp_path):
    cache = tmp_path / "cache"
    path, source = fetch_with_source(
        "uci_splice", cache_dir=cache, mirror=MIRROR, offline=True
    )
    assert (
        path == cache / "splice.data" and source == f"mirror {MIRROR / 'splice.data'}"
    )
    assert (
        sha256_of(path)
        == load_registry()["uci_splice"]["files"]["splice.data"]["sha256"]
    )
    assert _listing(cache) == ["splice.data"]  # no temporary left behind
    assert path.stat().st_mode & 0o777 == 0o644
    again, source = fetch_with_source(
        "uci_splice", cache_dir=cache, mirror=None, offline=True
    )
    assert (again, source) == (path, "cache")


@needs_mirror
def test_environment_variables_are_used(tmp_path, monkeypatch):
    monkeypatch.setenv("GDL_DATA_DIR", str(tmp_path / "env-cache"))
    monkeypatch.setenv("GDL_DATA_MIRROR", str(MIRROR))
    path = fetch("uci_promoters")
    assert path == tmp_path / "env-cache" / "promoters.data"
    assert cache_path("uci_promoters") == path
    assert path.read_bytes() == (MIRROR / "promoters.data").read_bytes()


def test_offline_error_names_file_url_cache_and_remedy(tmp_path):
    cache, empty_mirror = tmp_path / "cache", tmp_path / "empty-mirror"
    empty_mirror.mkdir()
    with pytest.raises(DataUnavailableError) as info:
        fetch("uci_promoters", cache_dir=cache, mirror=empty_mirror, offline=True)
    msg = str(info.value)
    entry = load_registry()["uci_promoters"]
    for part in (
        "promoters.data",
        entry["url"],
        str(cache / "promoters.data"),
        "GDL_DATA_MIRROR",
        "GDL_OFFLINE",
    ):
        assert part in msg
    assert not (cache / "promoters.data").exists()


def test_missing_mirror_folder_warns(tmp_path):
    with (
        pytest.warns(UserWarning, match="does not exist"),
        pytest.raises(DataUnavailableError),
    ):
        fetch(
            "uci_splice",
            cache_dir=tmp_path / "cache",
            mirror=tmp_path / "typo",
            offline=True,
        )


@needs_mirror
@pytest.mark.parametrize("name", ["uci_splice", "uci_promoters"])
def test_corrupt_cached_file_is_replaced(tmp_path, name):
    cache = tmp_path / "cache"
    filename = load_registry()[name]["filename"]
    cache.mkdir()
    original = (MIRROR / filename).read_bytes()
    (cache / filename).write_bytes(
        original[: len(original) // 2]
    )  # truncated copy in the cache
    with pytest.warns(UserWarning, match="deleting it"):
        path, source = fetch_with_source(
            name, cache_dir=cache, mirror=MIRROR, offline=True
        )
    assert source.startswith("mirror") and path.read_bytes() == original


@needs_mirror
def test_corrupt_cache_without_source_raises_and_is_removed(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "splice.data").write_text("garbage")
    with pytest.warns(UserWarning), pytest.raises(DataUnavailableError):
        fetch("uci_splice", cache_dir=cache, offline=True)
    assert _listing(cache) == []


@needs_mirror
def test_wrong_checksum_from_mirror_leaves_nothing(tmp_path):
    registry = load_registry()
    registry["uci_splice"]["files"]["splice.data"]["sha256"] = "0" * 64
    cache = tmp_path / "cache"
    with (
        pytest.warns(UserWarning, match="ignoring this mirror copy"),
        pytest.raises(DataUnavailableError) as info,
    ):
        fetch(
            "uci_splice",
            cache_dir=cache,
            mirror=MIRROR,
            offline=True,
            registry=registry,
        )
    msg = str(
        info.value
    )  # offline: names the bad mirror copy (both hashes) and the URL it may not use
    assert (
        "0" * 64 in msg
        and sha256_of(MIRROR / "splice.data") in msg
        and str(MIRROR) in msg
    )
    assert registry["uci_splice"]["files"]["splice.data"]["url"] in msg
    assert _listing(cache) == []


@needs_mirror
def test_content_checks_reject_file_without_hash(tmp_path):
    registry = load_registry()
    registry["uci_promoters"]["files"]["promoters.data"]["checks"]["classes"] = {
        "+": 60,
        "-": 46,
    }
    cache = tmp_path / "cache"
    with (
        pytest.warns(UserWarning),
        pytest.raises(DataUnavailableError, match="class counts"),
    ):
        fetch(
            "uci_promoters",
            cache_dir=cache,
            mirror=MIRROR,
            offline=True,
            registry=registry,
        )
    assert _listing(cache) == []


# ------------------------------------------------------------------------ loopback HTTP


def test_http_download_then_cache(tmp_path):
    served, cache = tmp_path / "served", tmp_path / "cache"
    entry = _toy(served)
    with serve_folder(served) as (base, server):
        registry = {"toy": dict(entry, url=f"{base}/toy.txt")}
        path, source = fetch_with_source(
            "toy", cache_dir=cache, offline=False, registry=registry
        )
        assert source == f"url {base}/toy.txt" and path.read_bytes() == b"ACGT" * 100
        assert (
            fetch_with_source("toy", cache_dir=cache, offline=False, registry=registry)[
                1
            ]
            == "cache"
        )
        assert server.paths == ["/toy.txt"]  # second call did not download
    assert _listing(cache) == ["toy.txt"]


def test_http_checksum_mismatch_leaves_clean_cache(tmp_path):
    served, cache = tmp_path / "served", tmp_path / "cache"
    entry = _toy(served)
    actual = entry["sha256"]
    entry["sha256"] = hashlib.sha256(b"something else").hexdigest()
    entry["size"] = None
    with serve_folder(served) as (base, _):
        registry = {"toy": dict(entry, url=f"{base}/toy.txt")}
        with pytest.raises(DataIntegrityError) as info:
            fetch("toy", cache_dir=cache, offline=False, registry=registry)
    msg = str(info.value)
    assert entry["sha256"] in msg and actual in msg and f"{base}/toy.txt" in msg
    assert _listing(cache) == []


def test_http_404_is_a_clear_error(tmp_path):
    served, cache = tmp_path / "served", tmp_path / "cache"
    served.mkdir()
    with serve_folder(served) as (base, _):
        registry = {"gone": {"url": f"{base}/missing.txt", "sha256": "0" * 64}}
        with pytest.raises(DataUnavailableError) as info:
            fetch("gone", cache_dir=cache, offline=False, registry=registry)
    msg = str(info.value)
    assert (
        "404" in msg
        and f"{base}/missing.txt" in msg
        and str(cache / "missing.txt") in msg
    )
    assert _listing(cache) == []


def test_http_truncated_transfer_leaves_clean_cache(tmp_path):
    served, cache = tmp_path / "served", tmp_path / "cache"
    entry = _toy(served, data=b"ACGT" * 50_000)
    with serve_folder(served, truncate={"toy.txt"}) as (base, _):
        registry = {"toy": dict(entry, url=f"{base}/toy.txt")}
        with pytest.raises(DataUnavailableError, match=f"from {base}/toy.txt"):
            fetch("toy", cache_dir=cache, offline=False, registry=registry)
    assert _listing(cache) == []


def test_http_truncated_file_without_hash_fails_content_check(tmp_path):
    served, cache = tmp_path / "served", tmp_path / "cache"
    served.mkdir()
    (served / "promoters.data").write_text(
        "\n".join(PROMOTER_LINES[:2]) + "\n"
    )  # one record short
    with serve_folder(served) as (base, _):
        registry = {
            "p": {
                "url": f"{base}/promoters.data",
                "sha256": None,
                "format": "uci_promoters",
                "checks": {"records": 3, "length": 57},
                "records_sha256": "1" * 64,
            }
        }
        with pytest.raises(DataIntegrityError, match="2 records, expected 3"):
            fetch("p", cache_dir=cache, offline=False, registry=registry)
    assert _listing(cache) == []


def test_http_mirror_is_tried_first_and_falls_back_to_url(tmp_path):
    mirror_dir, origin_dir, cache = (
        tmp_path / "mirror",
        tmp_path / "origin",
        tmp_path / "cache",
    )
    entry = _toy(origin_dir)
    mirror_dir.mkdir()
    with (
        serve_folder(mirror_dir) as (mirror, mirror_server),
        serve_folder(origin_dir) as (origin, _),
    ):
        registry = {"toy": dict(entry, url=f"{origin}/toy.txt")}
        with pytest.warns(UserWarning, match="mirror"):
            _, source = fetch_with_source(
                "toy", cache_dir=cache, mirror=mirror, offline=False, registry=registry
            )
        assert source == f"url {origin}/toy.txt" and mirror_server.paths == ["/toy.txt"]
        (cache / "toy.txt").unlink()
        _toy(mirror_dir)
        _, source = fetch_with_source(
            "toy",
            cache_dir=cache,
            mirror=mirror + "/",
            offline=False,
            registry=registry,
        )
        assert source == f"mirror {mirror}/toy.txt"


def test_offline_never_contacts_http_mirror(tmp_path):
    served = tmp_path / "served"
    entry = _toy(served)
    with serve_folder(served) as (base, server):
        registry = {"toy": dict(entry, url=f"{base}/toy.txt")}
        with pytest.raises(DataUnavailableError, match="GDL_OFFLINE=1"):
            fetch(
                "toy",
                cache_dir=tmp_path / "cache",
                mirror=base,
                offline=True,
                registry=registry,
            )
        assert server.paths == []


# ------------------------------------------------------------------------- command line


@needs_mirror
@needs_data_mirror
def test_cli_fetch_all_reports_sources(tmp_path, capsys):
    args = [
        "fetch",
        "--all",
        "--cache-dir",
        str(tmp_path),
        "--mirror",
        os.pathsep.join(MIRRORS),
        "--offline",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(load_registry()) and all(
        "(from mirror" in line for line in out
    )
    assert main(args) == 0
    assert all(
        line.endswith("(from cache)") for line in capsys.readouterr().out.splitlines()
    )


def test_cli_list_and_failures(tmp_path, capsys):
    assert main(["list"]) == 0
    assert "uci_splice" in capsys.readouterr().out
    assert (
        main(["fetch", "uci_promoters", "--cache-dir", str(tmp_path), "--offline"]) == 1
    )
    assert "FAILED" in capsys.readouterr().err
    assert main(["fetch", "--cache-dir", str(tmp_path)]) == 2
