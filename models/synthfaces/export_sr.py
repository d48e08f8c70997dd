"""Export SynthFaces 256: the 64-px GAN bundle with the trained super-resolution stage appended to
every split's tail, so each tail ends at 256×256 while the split layers (8×8 … 32×32 feature maps)
stay exactly the GAN's.

Reads the 64-px bundle (models/synthfaces-64, written by export.py) and work/sr-ckpt.pt (train_sr.py);
writes into --out (default: models/synthfaces, the default model): the heads (copied: the same files,
so Git stores them once), the composed tails, the draft tails (the 64-px tails, copied), model.json, samples.png. Checks, through onnxruntime-node
(verify_sr.mjs), that the SR graph matches torch and that every composed tail equals tail64 then SR
(max abs diff ≤ 1e-4).

    python3 export_sr.py [--ckpt work/sr-ckpt.pt] [--small ../synthfaces-64] [--out .]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import compose

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nets import SuperRes, n_params  # noqa: E402
from train_gan import save_grid  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OPSET = 17
SIZE = 256


def export_sr_graph(net, path):
    x = torch.zeros(2, 3, 64, 64)
    torch.onnx.export(net.eval(), (x,), path, input_names=["image64"], output_names=["image"],
                      dynamic_axes={"image64": {0: "N"}, "image": {0: "N"}}, opset_version=OPSET, do_constant_folding=True)
    return onnx.load(path)


def rename_value(graph, old, new):
    for node in graph.node:
        node.input[:] = [new if v == old else v for v in node.input]
        node.output[:] = [new if v == old else v for v in node.output]
    for v in list(graph.output) + list(graph.input):
        if v.name == old:
            v.name = new


def compose_tail(tail_path, sr_model, out_path):
    """tail (features → image 64) then SR (image64 → image 256), one graph with the tail's inputs."""
    tail = onnx.load(tail_path)
    rename_value(tail.graph, "image", "image64")
    sr = compose.add_prefix(sr_model, "sr/")  # no clash between the two graphs' initialisers and nodes
    rename_value(sr.graph, "sr/image64", "image64")
    rename_value(sr.graph, "sr/image", "image")
    if tail.ir_version != sr.ir_version:
        sr.ir_version = tail.ir_version
    merged = compose.merge_models(tail, sr, io_map=[("image64", "image64")])
    onnx.checker.check_model(merged, full_check=True)
    onnx.save(merged, out_path)


def with_draft(layer, draft):
    """The layer's manifest entry with its draft tail named right after its tail."""
    entry = {}
    for key, value in layer.items():
        entry[key] = value
        if key == "tail":
            entry["draft"] = draft
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "work", "sr-ckpt.pt"))
    ap.add_argument("--small", default=os.path.join(os.path.dirname(HERE), "synthfaces-64"), help="the 64-px bundle")
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()
    torch.set_num_threads(1)

    st = torch.load(args.ckpt, map_location="cpu")
    net = SuperRes()
    net.load_state_dict(st["net"])
    net.eval()
    small = json.load(open(os.path.join(args.small, "model.json")))

    with tempfile.TemporaryDirectory() as tmp:
        sr_path = os.path.join(tmp, "sr.onnx")
        sr_model = export_sr_graph(net, sr_path)
        layers = []
        for layer in small["layers"]:
            os.makedirs(os.path.join(args.out, layer["id"]), exist_ok=True)
            shutil.copyfile(os.path.join(args.small, layer["head"]), os.path.join(args.out, layer["head"]))
            compose_tail(os.path.join(args.small, layer["tail"]), sr_model, os.path.join(args.out, layer["tail"]))
            # The live preview's draft while dragging: the 64-px tail without the SR stage (the server
            # scales it up bilinearly, the SR's own base). The same bytes as the small bundle's tail,
            # so Git stores the file once.
            draft = f"{layer['id']}/draft.onnx"
            shutil.copyfile(os.path.join(args.small, layer["tail"]), os.path.join(args.out, draft))
            layers.append(with_draft(layer, draft))
        manifest = dict(small)
        manifest.update({
            "id": "synthfaces",
            "title": "SynthFaces 256×256 (trained by PandA Studio)",
            "description": "Stylised faces at 256×256: a GAN trained by PandA Studio on procedurally rendered faces, "
                           "with a super-resolution stage trained on the renderer's own pairs; runs offline on a CPU.",
            "image": {**small["image"], "width": SIZE, "height": SIZE},
            "layers": layers,
            "source": "Trained from scratch by PandA Studio: models/synthfaces/reproduce.sh (renderer render.py, GAN "
                      "train_gan.py, super-resolution train_sr.py, export export.py and export_sr.py).",
        })
        with open(os.path.join(args.out, "model.json"), "w") as f:
            json.dump(manifest, f, indent=2, ensure_ascii=False)
            f.write("\n")

        # torch reference of the SR stage on a few generated-looking inputs (smooth random images)
        x = torch.nn.functional.interpolate(torch.rand(2, 3, 16, 16) * 2 - 1, size=64, mode="bilinear", align_corners=False)
        with torch.no_grad():
            y = net(x)
        ref = os.path.join(tmp, "ref.json")
        with open(ref, "w") as f:
            json.dump({"n": 2, "x": x.flatten().tolist(), "y": y.flatten().tolist()}, f)
        samples = os.path.join(tmp, "samples.f32")
        r = subprocess.run(["node", os.path.join(HERE, "verify_sr.mjs"), args.small, args.out, sr_path, ref, samples, "8"],
                           cwd=REPO, capture_output=True, text=True)
        print(r.stdout.strip())
        if r.returncode != 0:
            raise SystemExit(f"onnxruntime check failed:\n{r.stderr}")
        check = json.loads(r.stdout.strip().splitlines()[-1])
        images = torch.from_numpy(np.fromfile(samples, np.float32).reshape(8, 3, SIZE, SIZE))
        save_grid(images, os.path.join(args.out, "samples.png"), cols=4)

    sizes = {l["tail"]: os.path.getsize(os.path.join(args.out, l["tail"])) / 2 ** 20 for l in layers}
    summary = {"sr_step": st["step"], "sr_train_minutes": round(st["train_seconds"] / 60, 1), "sr_params": n_params(net),
               "tail_mb": {k: round(v, 2) for k, v in sizes.items()}, **check}
    with open(os.path.join(args.out, "export-sr.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
