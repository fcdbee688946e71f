"""Run one section of the scale evidence at a named preset and store its result:

    python -m gdl_utils.scale 4.3 --preset cpu-long
    python -m gdl_utils.scale 7.3 --preset gpu --device cuda
    python -m gdl_utils.scale 7.4 --preset cpu-long   # needs the stored 7.3 checkpoint

writes ``gdl_utils/scale/stored/<section>-<preset>.json`` (``--out-dir`` elsewhere);
``gdl_utils.scale.load_result(section, preset)`` reads it back.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .presets import PRESETS, get_preset
from .results import results_dir, write_result

RUNNERS = {
    "4.2": ("pum2", "run_pum2"),
    "4.3": ("basecaller", "run_basecaller"),
    "7.3": ("pretraining", "run_pretraining"),
    "7.4": ("finetuning", "run_finetuning"),
}


def main(argv: list[str] | None = None) -> Path:
    """Run ``SECTION --preset NAME [--device D] [--out-dir DIR]``; the path written.

    Used in: no notebook directly (``python -m gdl_utils.scale``).
    """
    p = argparse.ArgumentParser(prog="python -m gdl_utils.scale")
    p.add_argument("section", choices=sorted(PRESETS))
    p.add_argument("--preset", default="cpu-long")
    p.add_argument("--device", default=None, help="default: CUDA > MPS > CPU")
    p.add_argument("--out-dir", type=Path, default=None)
    args = p.parse_args(argv)
    preset = get_preset(args.section, args.preset)
    if args.preset == "gpu" and not str(args.device or "cuda").startswith("cuda"):
        raise SystemExit("python -m gdl_utils.scale: the gpu preset runs on CUDA")
    if args.preset == "gpu":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("python -m gdl_utils.scale: --preset gpu needs CUDA")
    module, name = RUNNERS[args.section]
    from importlib import import_module

    runner = getattr(import_module(f"{__package__}.{module}"), name)
    out_dir = args.out_dir or results_dir()
    if args.section == "7.3":  # writes its checkpoint next to the result
        run = runner(preset, device=args.device, out_dir=out_dir, preset=args.preset)
    else:
        run = runner(preset, device=args.device)
    path = write_result(args.section, args.preset, run, out_dir)
    brief = {k: v for k, v in run.items() if k != "results"}
    print(json.dumps({"written": str(path), **brief}, default=str))
    return path


if __name__ == "__main__":
    main()
