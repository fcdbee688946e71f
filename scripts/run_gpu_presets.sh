#!/usr/bin/env bash
# Run every `gpu` preset of the scale evidence on one CUDA GPU (bf16 autocast, chosen by
# `fit`), then the 2-process torchrun pretraining, writing
#   gdl_utils/scale/stored/<section>-gpu.json       (python -m gdl_utils.scale)
#   gdl_utils/scale/stored/torchrun-2proc.json      (python -m gdl_utils.lm, rank 0;
#                                                     its "device" names GPU or CPU)
# Usage, from anywhere:  bash scripts/run_gpu_presets.sh [SECTION ...]   (default all)
# Environment: PYTHON (default .venv/bin/python if present, else python).
# Fails at once, before any work, when torch sees no CUDA device.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python; fi
fi
OUT=gdl_utils/scale/stored
SECTIONS=("$@")
if [[ ${#SECTIONS[@]} -eq 0 ]]; then SECTIONS=(4.3 7.3 4.2 7.4); fi

n_gpus=$("$PYTHON" -c "import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)")
if [[ "$n_gpus" -lt 1 ]]; then
    echo "run_gpu_presets.sh: torch sees no CUDA device; the gpu presets need one" >&2
    exit 2
fi
"$PYTHON" -c "import torch; print('GPU:', torch.cuda.get_device_name(0), '| torch', torch.__version__)"

for section in "${SECTIONS[@]}"; do
    echo "== section $section, preset gpu"
    start=$SECONDS
    "$PYTHON" -m gdl_utils.scale "$section" --preset gpu --device cuda
    echo "== section $section: $((SECONDS - start)) s"
done

# The 2-process torchrun pretraining (DistributedDataParallel, one process per GPU with
# NCCL). torchrun puts process r on cuda:r, so two processes need two GPUs; with one
# GPU the two processes run on the CPU (Gloo), which checks the distributed path only.
echo "== torchrun, 2 processes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ "$n_gpus" -ge 2 ]]; then
    env=()
    lm_args=(--d-model 256 --n-layers 6 --n-heads 8 --window 512 --windows-per-epoch 20000
             --epochs 2 --batch-size 64 --lr 1e-3)
else
    echo "one GPU: the 2-process run uses the CPU (Gloo), at notebook 07c's small setting"
    env=(CUDA_VISIBLE_DEVICES= OMP_NUM_THREADS=1)
    lm_args=(--held-out 4000000:4010000 --window 64 --windows-per-epoch 1024 --epochs 2
             --batch-size 64 --d-model 32 --n-layers 1 --n-heads 2)
fi
start=$SECONDS
env "${env[@]}" "$PYTHON" -m torch.distributed.run --standalone --nproc_per_node 2 \
    -m gdl_utils.lm --out "$tmp/lm" "${lm_args[@]}"
cp "$tmp/lm/summary.json" "$OUT/torchrun-2proc.json"
echo "== torchrun: $((SECONDS - start)) s; wrote $OUT/torchrun-2proc.json"
