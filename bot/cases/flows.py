"""Flow revisions as the adapters need them: the live one for new sessions, a pinned one for old ones.

Loaded flows are cached by revision id; a revision's content never changes, so the cache never
needs invalidating, only bounding.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from pathlib import Path

from bot.engine.loader import load_flow
from bot.engine.model import Flow
from bot.paths import FLOWS_DIR
from bot.store.base import Store
from bot.store.records import Revision

DEFAULT_FLOW_ID = "report"
DEFAULT_FLOW_PATH = FLOWS_DIR / "report.yaml"
_CACHE_SIZE = 16


class FlowNotPublished(Exception):
    """No revision of the flow was ever published."""


class FlowRegistry:
    def __init__(self, store: Store, flow_id: str = DEFAULT_FLOW_ID) -> None:
        self.store = store
        self.flow_id = flow_id
        self._cache: OrderedDict[int, Flow] = OrderedDict()

    async def live(self) -> tuple[int, Flow]:
        revision = await self.store.live_revision(self.flow_id)
        if revision is None:
            raise FlowNotPublished(self.flow_id)
        return revision.id, self._load(revision)

    async def pinned(self, revision_id: int) -> Flow:
        cached = self._cache.get(revision_id)
        if cached is not None:
            self._cache.move_to_end(revision_id)
            return cached
        revision = await self.store.revision(revision_id)
        if revision is None:
            raise FlowNotPublished(f"{self.flow_id} revision {revision_id}")
        return self._load(revision)

    def adopt(self, revision: Revision, flow: Flow) -> None:
        """Cache a flow already parsed from this revision's content (start-up parses the file anyway)."""
        self._cache[revision.id] = flow

    def _load(self, revision: Revision) -> Flow:
        flow = self._cache.get(revision.id)
        if flow is None:
            flow = load_flow(revision.content)
            self._cache[revision.id] = flow
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return flow


async def ensure_published(
    store: Store, path: Path = DEFAULT_FLOW_PATH, registry: FlowRegistry | None = None
) -> tuple[Revision, bool]:
    """Publish the flow file when nothing is live yet (first run). Returns (live revision, file differs).

    Later edits are published deliberately (``flows publish``), never silently at start-up, so
    nothing an admin has not approved reaches citizens.
    """
    content = await asyncio.to_thread(path.read_text, encoding="utf-8")
    flow = load_flow(content)
    live = await store.live_revision(flow.id)
    if live is None:
        live = await store.publish(flow.id, content, author="first-run")
    differs = live.hash != hashlib.sha256(content.encode()).hexdigest()
    if registry is not None and not differs:
        registry.adopt(live, flow)
    return live, differs
