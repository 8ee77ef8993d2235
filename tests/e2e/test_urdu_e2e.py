"""Issue 14 end to end: the command menu follows the chosen language, and a child reporting for
themselves gets a child's wording, in both languages, over the offline Bot API."""

from __future__ import annotations

from testing.citizens import Citizen
from testing.harness import Running


async def test_choosing_urdu_sets_this_chats_menu_in_urdu(queues_bot: Running) -> None:
    api = queues_bot.api
    c = Citizen(api, 1501, "en")
    await c.says("/start")
    await c.taps("اردو")
    await api.wait_for(lambda: ("chat:1501", None) in api.commands, within=10)
    menu = {m["command"]: m["description"] for m in api.commands[("chat:1501", None)]}
    assert menu["exit"] == "یہ چیٹ جلدی صاف کریں" and menu["start"].startswith("رپورٹ")
    await c.says("/language")
    await c.taps("English")
    await api.wait_for(lambda: api.commands[("chat:1501", None)][0]["description"] == "Begin or continue a report")
    assert ("chat:1501", None) in api.commands


async def test_a_child_reporting_for_themselves_gets_a_childs_words_in_both_languages(queues_bot: Running) -> None:
    api = queues_bot.api
    for n, (lang, button, self_, yes, no) in enumerate(
        (("en", "English", "For myself", "Yes", "No"), ("ur", "اردو", "اپنے لیے", "جی ہاں", "نہیں"))
    ):
        child, adult = Citizen(api, 1510 + n, lang), Citizen(api, 1520 + n, lang)
        for citizen, under_18 in ((child, yes), (adult, no)):
            await citizen.says("/start")
            await citizen.taps(button)
            await citizen.taps(self_)
            await citizen.taps(under_18)
        asked_child, asked_adult = child.texts()[-1], adult.texts()[-1]
        assert asked_child != asked_adult, lang  # "what happened" in a child's words
        assert any("1121" in t for t in child.texts()) and not any("1121" in t for t in adult.texts())
        await child.says("/skip")
        await adult.says("/skip")
        assert child.texts()[-1].splitlines()[0] != adult.texts()[-1].splitlines()[0], lang  # the category question
