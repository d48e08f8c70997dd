#!/usr/bin/env python3
"""Bring your own GAN: export a PyTorch generator as a PandA bundle. See models/README.md,
section "Bring your own GAN", and `export.py --help`."""
import os
import sys

# Ask glibc for transparent huge pages (Linux's usual THP mode "madvise" gives them only to who asks): a
# full-size export allocates activations of gigabytes again and again, and first touching memory in 4 KiB
# pages costs ~20 µs a page on a VM (a 400 MB tensor: 2 CPU-s to allocate, 0.05 s with huge pages). Glibc
# reads tunables only at start, so the exporter restarts itself once with this one added.
HUGE_PAGES = "glibc.malloc.hugetlb=1"
if sys.platform == "linux" and HUGE_PAGES not in os.environ.get("GLIBC_TUNABLES", ""):
    tunables = ":".join(filter(None, [os.environ.get("GLIBC_TUNABLES"), HUGE_PAGES]))
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]],
              {**os.environ, "GLIBC_TUNABLES": tunables})

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pandaexport.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
