"""The scale runner (``python -m gdl_utils.scale``): stored results match their presets
(and a changed preset makes them stale), the result schema is complete, each section
runs end to end at its ``smoke`` preset, the course checkpoint of section 7.3 is the
file its result names and reproduces its bits per base, and the GPU script is valid."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from gdl_utils.scale import (
    PRESETS,
    REQUIRED_KEYS,
    StaleResultError,
    load_result,
    preset_settings,
    result_path,
    results_dir,
    write_result,
)
from gdl_utils.scale.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
STORED = sorted(
    p for p in results_dir().glob("*-*.json") if p.stem.split("-", 1)[0] in PRESETS
)  # section-preset.json; torchrun-2proc.json is the distributed run's summary
STORED_IDS = [p.stem for p in STORED]


def section_preset(path: Path) -> tuple[str, str]:
    section, preset = path.stem.split("-", 1)
    return section, preset


def fake_run() -> dict:
    return {"seeds": [0], "device": "cpu", "precision": "fp32", "wall_time_s": 1.0,
            "cpu_time_s": 1.0, "results": {"x": 1}}  # fmt: skip


def changed(preset):
    """The preset with one value changed (the first numeric or tuple field)."""
    for f in dataclasses.fields(preset):
        value = getattr(preset, f.name)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            return dataclasses.replace(preset, **{f.name: value + 1})
        if isinstance(value, tuple):
            return dataclasses.replace(preset, **{f.name: value[:-1] or value * 2})
    raise AssertionError("no field to change")


@pytest.mark.parametrize("path", STORED, ids=STORED_IDS)
def test_stored_result_matches_its_preset(path):
    section, preset = section_preset(path)
    record = load_result(section, preset)
    assert set(REQUIRED_KEYS) <= set(record)
    assert record["section"] == section and record["preset"] == preset
    assert record["wall_time_s"] > 0 and record["results"]


@pytest.mark.parametrize("path", STORED, ids=STORED_IDS)
def test_stored_result_goes_stale_when_its_preset_changes(path, monkeypatch):
    section, preset = section_preset(path)
    monkeypatch.setitem(PRESETS[section], preset, changed(PRESETS[section][preset]))
    with pytest.raises(StaleResultError, match="stale"):
        load_result(section, preset)


@pytest.mark.parametrize("section", sorted(PRESETS))
def test_staleness_check_on_a_written_result(section, tmp_path, monkeypatch):
    path = write_result(section, "smoke", fake_run(), tmp_path)
    assert path == result_path(section, "smoke", tmp_path)
    record = load_result(section, "smoke", tmp_path)
    assert record["settings"] == preset_settings(section, "smoke")
    monkeypatch.setitem(PRESETS[section], "smoke", changed(PRESETS[section]["smoke"]))
    with pytest.raises(StaleResultError, match=f"section {section}"):
        load_result(section, "smoke", tmp_path)


def test_missing_result_and_key_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="4.3-smoke.json"):
        load_result("4.3", "smoke", tmp_path)
    path = write_result("4.3", "smoke", fake_run(), tmp_path)
    record = json.loads(path.read_text())
    del record["torch_version"]
    path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match="torch_version"):
        load_result("4.3", "smoke", tmp_path)
    with pytest.raises(KeyError, match="presets"):
        load_result("4.3", "no-such-preset", tmp_path)


@pytest.mark.parametrize("section", sorted(PRESETS))
def test_gpu_presets_parse(section):
    settings = preset_settings(section, "gpu")
    assert json.loads(json.dumps(settings)) == settings
    assert settings != preset_settings(section, "cpu-long")


def test_gpu_preset_refused_without_cuda(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(SystemExit, match="CUDA"):
        main(["4.3", "--preset", "gpu", "--out-dir", str(tmp_path)])


def test_gpu_script_is_valid_bash_and_fails_clearly_without_cuda():
    script = ROOT / "scripts" / "run_gpu_presets.sh"
    bash = shutil.which("bash")
    assert bash, "bash is needed"
    assert subprocess.run([bash, "-n", str(script)]).returncode == 0
    if torch.cuda.is_available():
        return
    done = subprocess.run([bash, str(script)], capture_output=True, text=True)
    assert done.returncode == 2 and "no CUDA device" in done.stderr


@pytest.mark.parametrize("section", sorted(PRESETS))
def test_smoke_run_writes_a_valid_result(section, tmp_path):
    path = main([section, "--preset", "smoke", "--device", "cpu",
                 "--out-dir", str(tmp_path)])  # fmt: skip
    record = load_result(section, "smoke", tmp_path)
    assert path.name == f"{section}-smoke.json"
    assert record["device"] == "cpu" and record["precision"] == "fp32"
    assert record["seeds"] == sorted(record["seeds"]) and record["seeds"]
    results = record["results"]
    if section == "4.3":
        run = results["runs"][0]
        assert len(run["curve"]["epoch"]) == len(PRESETS["4.3"]["smoke"].epoch_lrs)
        assert len(run["identities_greedy"]) == results["n_chunks"]["test"]
        assert 0 <= run["identity_greedy"] <= 1
    elif section == "7.3":
        p = PRESETS["7.3"]["smoke"]
        assert set(results["grid"]) == {s[0] for s in p.sizes}
        assert all(len(v) == len(p.epochs) for v in results["grid"].values())
        assert (tmp_path / results["checkpoint"]["file"]).exists()
    elif section == "7.4":
        p = PRESETS["7.4"]["smoke"]
        assert set(results["mean"]) == set(p.starts)
        assert len(results["runs"]) == len(p.starts) * p.n_folds * p.seeds_per_fold
        assert all(0 <= r["accuracy"] <= 1 for r in results["runs"])
        ckpt = load_result("7.3", p.checkpoint_preset)["results"]["checkpoint"]
        assert (
            results["starts"]["7.3 checkpoint"]["checkpoint_sha256"] == ckpt["sha256"]
        )
        assert set(results["paired"]) >= {"07d pretraining", "7.3 checkpoint"}
    else:
        assert {r["model"] for r in results["runs"]} == set(
            PRESETS["4.2"]["smoke"].models
        )


def test_course_checkpoint_reproduces_its_bits_per_base():
    if not result_path("7.3", "cpu-long").exists():
        pytest.skip("no stored 7.3 cpu-long result")
    from gdl_utils.datasets import load_ecoli_genome
    from gdl_utils.lm import NucleotideTokenizer
    from gdl_utils.scale.pretraining import held_out_bits
    from gdl_utils.training import load_model

    record = load_result("7.3", "cpu-long")
    ckpt = record["results"]["checkpoint"]
    path = results_dir() / ckpt["file"]
    data = path.read_bytes()
    assert len(data) == ckpt["bytes"] <= 10 * 2**20
    assert hashlib.sha256(data).hexdigest() == ckpt["sha256"]
    model = load_model(path)
    p = PRESETS["7.3"]["cpu-long"]
    lo, hi = p.held_out
    region = NucleotideTokenizer().encode(load_ecoli_genome()[lo:hi])
    bits = held_out_bits(model, region, window=p.window, block=p.block, device="cpu")
    assert bits["bits_per_base"] == pytest.approx(ckpt["bits_per_base"], abs=1e-4)


def test_finetuning_refuses_a_changed_checkpoint(tmp_path, monkeypatch):
    """Section 7.4 starts from the 7.3 checkpoint only if its sha256 is the stored
    one."""
    from gdl_utils.scale.finetuning import load_course_checkpoint

    record = load_result("7.3", "cpu-long")
    name = record["results"]["checkpoint"]["file"]
    shutil.copy(results_dir() / "7.3-cpu-long.json", tmp_path)
    shutil.copy(results_dir() / name, tmp_path)
    monkeypatch.setenv("GDL_SCALE_RESULTS", str(tmp_path))
    model, ckpt = load_course_checkpoint("cpu-long")
    assert ckpt["sha256"] == record["results"]["checkpoint"]["sha256"]
    data = bytearray((tmp_path / name).read_bytes())
    data[-1] ^= 1  # one bit flipped
    (tmp_path / name).write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        load_course_checkpoint("cpu-long")


def test_windowed_classifier_averages_its_windows():
    """One window covering the sequence is the plain classifier; two windows average
    the encoder's hidden states over both."""
    from gdl_utils.models import SequenceClassifier, TransformerConfig
    from gdl_utils.scale.finetuning import WindowedClassifier

    config = TransformerConfig(vocab_size=8, max_len=6, d_model=8, n_heads=2,
                               n_layers=1, dropout=0.0, causal=True)  # fmt: skip
    torch.manual_seed(0)
    clf = SequenceClassifier(config, n_outputs=1).eval()
    tokens = torch.randint(4, 8, (5, 9))
    with torch.no_grad():
        one = WindowedClassifier(clf, (0,))(tokens[:, :6])
        assert torch.allclose(one, clf(tokens[:, :6]), atol=1e-6)
        two = WindowedClassifier(clf, (0, 3))(tokens)
        h = torch.cat([clf.encoder(tokens[:, :6]), clf.encoder(tokens[:, 3:])], 1)
        assert torch.allclose(two, clf.head(h.mean(1)), atol=1e-6)
        assert not torch.allclose(two, one, atol=1e-3)
