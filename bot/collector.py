"""Python's cycle collector told what start-up built, so that its full collections stay short.

A full (generation 2) collection walks every object the collector tracks. After start-up that is some
80,000 objects (the parsed flows, python-telegram-bot's classes, the catalogues), which never become
garbage; walking them took 50-90 ms, a pause in which no citizen's update moves (measured with a
``gc.callbacks`` hook during ``bench/throughput.py``: the slowest updates of a paced run waited on it).
``gc.freeze`` moves what is alive at that moment to a permanent generation the collector skips.

Only ``main.py run`` does this, once its start-up work is done: a process that builds many applications
(the test suite) would keep every frozen one's cycles for good.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_start_up() -> None:
    """Exempt every object alive now from later collections. No collection first: it would cost the
    start a full one (the pause this avoids), to free a little start-up garbage."""
    gc.freeze()
    if log.isEnabledFor(logging.DEBUG):  # counting walks every frozen object: ~8 ms before the first reply
        log.debug("%d start-up objects exempt from the cycle collector", gc.get_freeze_count())
