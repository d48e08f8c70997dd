"""Export a PyTorch GAN generator as a PandA bundle (see models/README.md).

The CLI lives in models/export/export.py; this package holds one module per concern:
loading (module + weights), fxsplit (generic cut of a torch.fx graph), staged and adapters/
(families that tracing alone cannot cut), verify (head∘tail against the full generator),
onnxio (ONNX export and checks) and bundle (model.json, MODEL_CARD.md, atomic write).
"""
