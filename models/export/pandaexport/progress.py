"""Step-by-step progress on stderr, so that a long export (minutes at 1024 px) is never silent:
`export: [  12.3 s, 1.9 GB] split 2/3 (b32.conv1): tracing the tail`, with the time since the start
and the peak memory so far. Results stay on stdout."""
import resource
import sys
import time

_start = time.monotonic()


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def restart() -> None:
    global _start
    _start = time.monotonic()


def step(message: str) -> None:
    sys.stderr.write(f"export: [{time.monotonic() - _start:7.1f} s, {peak_rss_bytes() / 1e9:4.1f} GB] {message}\n")
    sys.stderr.flush()
