#!/usr/bin/env bash
# Reproduce the SynthFaces bundles from nothing: render the dataset, train the GAN, train the parser,
# export the 64-px bundle (models/synthfaces-64), render 256-px pairs, train the super-resolution
# stage, export the 256-px default bundle (models/synthfaces). CPU only, one thread per stage (~4.5 h
# on an idle core). Intermediate files go to work/ (git-ignored).
# Interrupted? Run it again: rendering is skipped when a dataset exists, the GAN and the SR stage resume
# from work/ckpt.pt and work/sr-ckpt.pt (delete work/ to start over).
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-/usr/bin/python3}"
GAN_STEPS="${GAN_STEPS:-6379}"  # the published run's step count
SR_STEPS="${SR_STEPS:-2400}"    # the SR schedule's length (the published run stopped on its time limit, see MODEL_CARD.md)
mkdir -p work
[ -f work/faces.npz ] || "$PY" render.py --count 30000 --seed 0 --out work/faces.npz
"$PY" train_gan.py --data work/faces.npz --steps "$GAN_STEPS" --batch 32 --seed 0 --resume 2>&1 | tee -a work/train.log
"$PY" train_parser.py --steps 5000 --max-minutes 45 2>&1 | tee work/parser.log
"$PY" export.py
[ -f work/faces-256.npz ] || "$PY" render.py --count 6000 --seed 0 --size 256 --out work/faces-256.npz
"$PY" train_sr.py --data work/faces-256.npz --steps "$SR_STEPS" --resume 2>&1 | tee -a work/sr-train.log
"$PY" export_sr.py

# Saved parts for every layer of both bundles (the same features: the SR stage only follows the
# tail), shipped so that parts appear at once in the panel.
for model in synthfaces synthfaces-64; do
  rm -rf "../$model/factorisations"
  for spec in 8x8:8:256 16x16:16:128 32x32:16:64; do
    IFS=: read -r layer parts appearances <<<"$spec"
    node ../../companion-server/bin/panda.js decompose --model "$model" --layer "$layer" --samples 512 \
      --parts "$parts" --appearances "$appearances" --seed 0 --out "../$model/factorisations/$model-$layer"
  done
done
