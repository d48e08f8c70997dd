#!/usr/bin/env bash
# Export the shared celeba-dcgan-32 checkpoint (../shared/gans/celeba-dcgan-32, never committed) as a
# bundle in OUTDIR, split after block 2 (64×8×8) and block 3 (32×16×16).
#   models/export/examples/export_celeba.sh OUTDIR [extra exporter flags]
set -euo pipefail
if [ $# -lt 1 ]; then echo "usage: $0 OUTDIR [exporter flags]" >&2; exit 2; fi
out=$1; shift
mkdir -p "$(dirname "$out")"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
ckpt=${PANDA_SHARED:-$repo/../shared}/gans/celeba-dcgan-32
if [ ! -f "$ckpt/generator.pt" ]; then echo "export_celeba: $ckpt/generator.pt not found" >&2; exit 1; fi
exec "${PYTHON:-/usr/bin/python3}" "$here/../export.py" \
  --module "$here/celeba_dcgan32.py:Generator" --weights "$ckpt/generator.pt" --latent 100:uniform \
  --split generator_deconv.2=8x8 --split generator_deconv.3=16x16 \
  --out "$out" --id celeba-dcgan-32 --title "CelebA faces 32×32 (DCGAN)" \
  --description "A third party's DCGAN trained on CelebA faces; 32×32, uniform latent." \
  --license Apache-2.0 \
  --source "github.com/fletchersarip93/face-generator @ 50ce2ed215d2ed1331a3c34b07518f8aa408f063, generator.pt" \
  "$@"
