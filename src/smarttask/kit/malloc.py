"""glibc's allocator: hand large blocks back to the system as soon as they are freed."""

from __future__ import annotations

import ctypes
from functools import cache

_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
# Below argon2id's smallest sensible memory cost, above what a request allocates at once.
LARGE_BLOCK = 4 * 1024 * 1024


@cache
def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Serve every allocation of `threshold` bytes or more by its own mapping, unmapped on free.

    glibc does so by default only until the first such block is freed: it then raises the
    threshold to that block's size (up to 32 MiB), and later blocks come from the heap of the
    thread that asked, which keeps them resident. An argon2id hash allocates 19 MiB by
    default, so each thread that ever hashed kept 19 MiB (docs/benchmarks.md). A fixed
    threshold turns that adjustment off. True if set; False where there is no glibc.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold))
