#!/usr/bin/env bash
# Reproduce the SynthFaces bundle from nothing: render the dataset, train the GAN, train the parser,
# export. CPU only, one thread per stage (~2 h). Intermediate files go to work/ (git-ignored).
# Interrupted? Run it again: rendering is skipped when the dataset exists, the GAN resumes from
# work/ckpt.pt (delete work/ to start over).
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-/usr/bin/python3}"
GAN_STEPS="${GAN_STEPS:-6379}"  # the published run's step count
mkdir -p work
[ -f work/faces.npz ] || "$PY" render.py --count 30000 --seed 0 --out work/faces.npz
"$PY" train_gan.py --data work/faces.npz --steps "$GAN_STEPS" --batch 32 --seed 0 --resume 2>&1 | tee -a work/train.log
"$PY" train_parser.py --steps 5000 --max-minutes 45 2>&1 | tee work/parser.log
"$PY" export.py

# Saved parts for every layer, shipped with the bundle so that parts appear at once in the panel.
rm -rf factorisations
for spec in 8x8:8:256 16x16:16:128 32x32:16:64; do
  IFS=: read -r layer parts appearances <<<"$spec"
  node ../../companion-server/bin/panda.js decompose --model synthfaces --layer "$layer" --samples 512 \
    --parts "$parts" --appearances "$appearances" --seed 0 --out "factorisations/synthfaces-$layer"
done
