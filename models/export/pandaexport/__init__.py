"""Export a PyTorch GAN generator as a PandA bundle (see models/README.md).

The CLI lives in models/export/export.py (argument handling in cli.py); one module per concern:
loading (module + weights), generator (what the exporter needs from a generator), fxsplit (the
generic cut of a torch.fx graph), adapters/ (families that tracing alone cannot cut; staged.py is
their common shape), verify (head∘tail against the full generator), onnxio (ONNX export and
checks) and bundle (model.json, MODEL_CARD.md, atomic write).
"""
