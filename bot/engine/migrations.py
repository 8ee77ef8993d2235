"""Flow file format versions and the migrations between them.

Each migration is one small function that takes a raw flow mapping of version N and returns
version N+1, so a flow written for an older release still loads after an upgrade. There are none
yet: version 1 is the first format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SPEC_VERSION = 1

Migration = Callable[[dict[str, Any]], dict[str, Any]]

# from-version -> function producing from-version + 1
MIGRATIONS: dict[int, Migration] = {}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("spec_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"'spec_version' must be a whole number; this release reads {SPEC_VERSION}")
    if version > SPEC_VERSION:
        raise ValueError(f"written for a newer release (spec_version {version}; this one reads {SPEC_VERSION})")
    while version < SPEC_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["spec_version"] = version
    return data
