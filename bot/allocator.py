"""How the C allocator hands large buffers back: set once when the bot starts, from inside the program.

Some of the bot's buffers are megabytes: an evidence file fetched, sealed and stored (up to
``FILE_MAX_MB``), and scrypt's 8 MiB when a PIN stored before PINs were sealed is checked. glibc serves a
buffer that large with mmap and returns it to the system when it is freed, but then raises its "mmap
threshold" to the size just freed (the dynamic threshold), so every later buffer of that size comes from
a heap arena instead, one per thread that used one, and stays with the process after it is freed. When
every report's PIN was hashed with scrypt, a burst of 500 reports left the bot holding about 146 MB, 70 MB
of it free memory it kept (``bench/memory.py --reports 500``): not a leak, but what an operator's
dashboard shows, and what a container's memory limit counts.

Fixing the threshold at glibc's own starting value (128 KiB) turns the dynamic threshold off: buffers
that large are always mapped and always returned. Operators need not set MALLOC_MMAP_THRESHOLD_
themselves; with another C library (musl) this does nothing, and nothing is needed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD = 128 * 1024  # glibc's default starting value, kept fixed


def return_large_buffers() -> bool:
    """Have glibc map every buffer of ``MMAP_THRESHOLD`` or more, so it goes back when freed. True if set."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt), or no C library to load
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1)
    if not done:
        log.debug("mallopt(M_MMAP_THRESHOLD) refused; large buffers may stay with the process")
    return done
