"""Typed answers end to end, over the offline Bot API: a Roman Urdu writer reports by typing only; a
photo sent before the answer that makes it a child case is deleted and kept off the card; typed
/done and /send work; an unknown command points to /help; an unclear answer numbers the buttons."""

from __future__ import annotations

from testing.citizens import Citizen, last_question
from testing.harness import Running
from tests.e2e.conftest import PUNJAB
from tests.e2e.test_danger_e2e import stored
from tests.e2e.test_focal_e2e import card_in


def labels(message: object) -> list[str]:
    markup = getattr(message, "reply_markup", None) or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_roman_urdu_writer_completes_a_report_by_typing_only(queues_bot: Running) -> None:
    api = queues_bot.api
    c = Citizen(api, 1401, "en")  # the phone says English; the writer types Roman Urdu
    taps_before = len([n for n, _ in api.calls if n == "answerCallbackQuery"])
    await c.says("salam mujhe madad chahiye, koi meri pics viral karne ki dhamki de raha hai")
    assert c.texts()[-1] == "Yeh report kis ke liye hai?"
    for answer in (
        "apne liye",
        "nahi",
        "usne kaha paise do warna pics sab ko bhej dega",
        "pics viral karne ki dhamki",
        "insta aur whatsapp pe",
        "main lahore mein rehti hoon",
    ):
        await c.says(answer)
    assert c.texts()[-1].startswith("Lahore Punjab mein hai. Kya yeh theek hai?")
    assert "Ji haan, Punjab" in labels(last_question(api, c.id))  # the one-tap confirmation, on the newest message
    for answer in ("haan", "2 haftay pehle", "haan abhi bhi", "https://www.instagram.com/fake.user123"):
        await c.says(answer)
    assert c.texts()[-1].startswith("Ab tak save hue link: 1.")
    assert "Mukammal" in labels(api.bot_messages(c.id)[-1])  # Done on the newest message, not far above
    for answer in ("bas", "fake.user123", "isi chat pe", "ji haan bhej dein"):
        await c.says(answer)
    await api.wait_for(lambda: "Hawala number: " in c.texts()[-1], within=10)
    assert len([n for n, _ in api.calls if n == "answerCallbackQuery"]) == taps_before  # not one tap
    reference = c.texts()[-1].split("Hawala number: ")[1].split()[0]
    report = await stored(queues_bot, reference)
    assert (report.category, report.province, report.language) == ("blackmail", "punjab", "roman")
    assert report.answers["platforms"] == ["instagram", "whatsapp"]
    assert report.answers["review"] == "yes"  # consent, given on the review
    card = await card_in(api, PUNJAB, reference)
    assert "Blackmail" in (card.text or "")  # officers read the card in their own language, not Roman Urdu


async def test_a_photo_sent_before_the_child_answer_is_deleted_and_absent_from_the_card(queues_bot: Running) -> None:
    api = queues_bot.api
    c = Citizen(api, 1402, "en")
    await c.says("/start")
    await c.taps("English")
    await c.taps("For someone else")
    photo_id = c.user.send_photo()
    await api.wait_for(lambda: c.texts()[-1].startswith("Thank you. I will keep this file with your report"))
    await c.taps("Yes")  # under 18: now a child case
    assert [m.deleted for m in api.chat(c.id) if m.message_id == photo_id] == [True]
    assert any(t.startswith("This report is about a child, so I have deleted") for t in c.texts())
    await c.says("/skip")
    await c.taps("Threatening")
    await c.taps("Done")
    await c.taps("Punjab")
    for _ in range(4):
        await c.says("/skip")
    await c.taps("Only through this chat")
    await c.says("/send")  # typed, not tapped
    await api.wait_for(lambda: "Reference number: " in c.texts()[-1], within=10)
    reference = c.texts()[-1].split("Reference number: ")[1].split()[0]
    report = await stored(queues_bot, reference)
    assert report.answers["attachments"] == [] and report.minor
    card = await card_in(api, PUNJAB, reference)
    assert "Files the citizen sent" not in (card.text or "")
    forbidden = {"forwardMessage", "copyMessage", "sendPhoto", "getFile", "getFileContent"}
    assert [n for n, _ in api.calls if n in forbidden] == []


async def test_typed_done_finishes_links_and_an_unknown_command_points_to_help(queues_bot: Running) -> None:
    api = queues_bot.api
    c = Citizen(api, 1403, "en")
    await c.says("/start")
    await c.says("/frobnicate")
    assert c.texts()[-1] == "/frobnicate is not a command I know. Send /help to see the commands."
    await c.taps("English")
    await c.taps("For myself")
    await c.says("/done")
    assert c.texts()[-1] == "There is nothing to finish on this question. Please answer it, or send /skip."
    await c.taps("No")
    for step in ("/skip", "/skip", "/skip", "/skip", "/skip", "/skip"):
        await c.says(step)
    assert c.texts()[-1].startswith("Links help the officers most.")
    await c.says("https://www.facebook.com/some.profile")
    await c.says("/done")
    assert c.texts()[-1].startswith("If you know them, send the usernames")


async def test_an_unclear_typed_answer_numbers_the_buttons_on_the_newest_message(queues_bot: Running) -> None:
    api = queues_bot.api
    c = Citizen(api, 1404, "en")
    await c.says("/start")
    await c.taps("English")
    first = last_question(api, c.id)
    await c.says("hmm i am not sure what to pick here")
    newest = api.bot_messages(c.id)[-1]
    assert newest.text == "Sorry, I did not understand. Please tap one of the options below, or type its number."
    assert labels(newest)[:3] == [
        "\u20661\u2069 · For myself",
        "\u20662\u2069 · For someone else (relative, friend)",
        "\u20663\u2069 · For a child (parent, guardian)",
    ]
    assert labels(api.find(c.id, first.message_id)) == []  # the old buttons are gone
    await c.says("2")
    assert c.texts()[-1].startswith("Is the person this happened to under 18")


async def test_words_typed_at_the_language_question_choose_the_language_they_are_written_in(
    queues_bot: Running,
) -> None:
    api = queues_bot.api
    c = Citizen(api, 1405, "en")
    await c.says("/start")
    assert c.texts()[-1].startswith("Welcome.")
    await c.says("mere liye")  # no option's name, but clearly Roman Urdu
    assert c.texts()[-1] == "Yeh report kis ke liye hai?"
    retired = next(m for m in api.bot_messages(c.id) if (m.text or "").startswith("Welcome."))
    assert "Roman Urdu" in (retired.text or "") and not retired.reply_markup  # the answer shown, buttons gone
