"""The routing table sends every report somewhere, and its mistakes are located."""

from __future__ import annotations

import pytest

from bot.cases.routing import load_routing
from bot.engine.errors import FlowLoadError
from tests.conftest import ROOT

DEFAULT = (ROOT / "flows" / "routing.yaml").read_text(encoding="utf-8")


def test_default_table_routes_each_province_and_sends_gb_ajk_and_unknown_to_the_fallback() -> None:
    table = load_routing(DEFAULT)
    assert table.route("punjab") == "punjab" and table.route("sindh") == "sindh"
    assert table.route("gb") == "undisclosed" and table.route("ajk") == "undisclosed"
    assert table.route(None) == "undisclosed" and table.route("atlantis") == "undisclosed"


def test_a_province_whose_queue_has_no_group_falls_back() -> None:
    table = load_routing(DEFAULT)
    assert table.route("kp", bound=frozenset({"punjab", "undisclosed"})) == "undisclosed"
    assert table.route("punjab", bound=frozenset({"punjab", "undisclosed"})) == "punjab"


def test_a_district_overrides_its_province() -> None:
    table = load_routing(DEFAULT.replace("districts: {}", "districts:\n  multan: multan"))
    assert table.route("punjab", district="multan") == "multan"
    assert table.route("punjab", district="lahore") == "punjab"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("  kp: kp\n", "  kpk: kp\n"), "provinces.kpk: unknown province"),
        (("  kp: kp\n", ""), "provinces: 'kp' has no queue"),
        (("fallback: undisclosed", "fallback: Federal HQ"), "fallback: needs a queue key"),
        (("  sindh: sindh\n", "  sindh: Sindh Circle\n"), "provinces.sindh: queue 'Sindh Circle'"),
    ],
)
def test_mistakes_are_located(change: tuple[str, str], expected: str) -> None:
    with pytest.raises(FlowLoadError) as info:
        load_routing(DEFAULT.replace(*change))
    assert any(expected in str(p) and "(line " in str(p) for p in info.value.problems), info.value.problems
