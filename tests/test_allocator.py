"""The allocator setting of allocator.py takes on glibc (what every supported image runs) and is a no-op
elsewhere; its effect on memory is measured by ``bench/memory.py --reports 500``, not asserted here."""

from __future__ import annotations

import platform

import pytest

from bot.allocator import return_large_buffers


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_accepts_the_fixed_mmap_threshold() -> None:
    assert return_large_buffers() is True
    assert return_large_buffers() is True  # setting it again is harmless (the bot sets it once)
