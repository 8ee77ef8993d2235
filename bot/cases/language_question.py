"""The language question answered in words that name no language.

A citizen who is asked to choose a language often answers the way she writes ("mere liye", "I need help",
"میری مدد کریں") rather than with an option. Re-asking her in a loop would leave her stuck at the very first
question, so what she typed chooses for her: at once when it is clearly written in one of the flow's
languages, and after ``runner.SKIPPED_AFTER`` answers that were not understood, the language it most likely
is (or the one the question lists first). ``/language`` changes it later.
"""

from __future__ import annotations

from bot.cases.language import confident, detect_language
from bot.engine import runner
from bot.engine.events import Safety
from bot.engine.model import ChoiceStep, Flow
from bot.engine.session import ACTIVE, Session


def typed_language(flow: Flow, before: Session, after: runner.Turn, text: str) -> str | None:
    """The language option to take for ``text``, typed at the language question and refused there
    (``after`` is the engine's turn for it); None when the question was answered, or is not the one
    waiting, or the turn showed the safety text (the question stays, below it, for her to answer)."""
    step = flow.steps.get(before.step) if before.step is not None else None
    if not (isinstance(step, ChoiceStep) and step.sets_language) or not text.strip():
        return None
    refused = after.session.status == ACTIVE and after.session.step == step.id and step.id not in after.session.answers
    if not refused or any(isinstance(e, Safety) for e in after.events):
        return None
    detected = detect_language(text)
    if confident(detected) and step.option(detected.lang) is not None:
        return detected.lang
    if after.session.attempts < runner.SKIPPED_AFTER:
        return None
    likely = [detected.lang] if detected.reason not in ("prior", "default") else []
    likely += [before.vars.get("likely_language", ""), before.lang]
    return next((lang for lang in likely if step.option(lang) is not None), step.options[0].id)
