#!/usr/bin/env python3
"""Bring your own GAN: export a PyTorch generator as a PandA bundle. See models/README.md,
section "Bring your own GAN", and `export.py --help`."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pandaexport.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
