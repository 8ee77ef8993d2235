"""The routing table (``flows/routing.yaml``): which focal queue receives a report.

Admin-edited data, not code, because where NCCIA circles sit and which are staffed changes, and
some of it is uncertain (GB, AJK). A province whose queue has no bound group falls back to the
federal queue, so no report is ever left without a destination.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import PROVINCES
from bot.engine.errors import FlowLoadError, LoadProblem
from bot.engine.loader import ID_RE
from bot.engine.yamltree import parse


@dataclass(frozen=True, slots=True)
class RoutingTable:
    fallback: str
    provinces: Mapping[str, str]
    districts: Mapping[str, str]

    @property
    def queues(self) -> frozenset[str]:
        return frozenset({self.fallback, *self.provinces.values(), *self.districts.values()})

    def route(self, province: str | None, district: str | None = None, bound: frozenset[str] | None = None) -> str:
        """The queue for a report; ``bound`` (queue keys with a group) turns unbound queues into the fallback."""
        queue = self.districts.get(district or "") or self.provinces.get(province or "undisclosed") or self.fallback
        if bound is not None and queue not in bound:
            return self.fallback
        return queue


def load_routing(source: str) -> RoutingTable:
    data, lines, problems = parse(source)
    if problems or not isinstance(data, dict):
        raise FlowLoadError(problems or [LoadProblem("", "a routing file must be a mapping", 1)])
    found: list[LoadProblem] = []

    def fail(path: str, message: str) -> None:
        found.append(LoadProblem(path, message, lines.get(path) or lines.get(path.split(".")[0])))

    if data.get("spec_version") != 1:
        fail("spec_version", "this release reads spec_version 1")
    for key in sorted(set(data) - {"spec_version", "fallback", "provinces", "districts"}):
        fail(key, "unknown top-level key")
    fallback = data.get("fallback")
    if not isinstance(fallback, str) or not ID_RE.match(fallback):
        fail("fallback", "needs a queue key (lower-case letters, digits, _)")
    tables: dict[str, dict[str, str]] = {}
    for name in ("provinces", "districts"):
        raw = data.get(name) or {}
        if not isinstance(raw, dict):
            fail(name, "expected a mapping of key: queue")
            raw = {}
        for key, queue in raw.items():
            if not isinstance(queue, str) or not ID_RE.match(queue):
                fail(f"{name}.{key}", f"queue {queue!r} must be lower-case letters, digits and _")
            if name == "provinces" and key not in PROVINCES:
                fail(f"{name}.{key}", f"unknown province (one of {', '.join(PROVINCES)})")
        tables[name] = {str(k): str(v) for k, v in raw.items()}
    for province in PROVINCES:
        if province not in tables["provinces"] and "provinces" in data:
            fail("provinces", f"{province!r} has no queue (it would go to the fallback; say so explicitly)")
    if found:
        raise FlowLoadError(found)
    assert isinstance(fallback, str)
    return RoutingTable(fallback, tables["provinces"], tables["districts"])
