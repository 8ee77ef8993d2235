"""The frozen flow model the runner executes, built by the loader from a parsed YAML flow.

Kept apart from the YAML schema so that the runner never sees raw mappings, and so that a flow
that loaded is known to be well formed: every ``goto`` names a step, every option id is unique.
Each step kind documents itself with a YAML ``EXAMPLE``; ``python main.py flows reference`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

# Reply languages: English, Urdu in its own script, and Roman Urdu (Urdu in Latin letters, the way
# most Pakistanis type). Officers' cards stay in en/ur; citizens may use any of the three.
LANGUAGES: tuple[str, ...] = ("en", "ur", "roman")
FALLBACK_LANGUAGE = "en"
# The matching key of a typed phrase (``normalise.match_words``): folded words in order.
Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Text:
    """One text in several languages; missing languages fall back to English, then to any."""

    by_lang: Mapping[str, str]
    line: int = 0

    def get(self, lang: str) -> str:
        for candidate in (lang, FALLBACK_LANGUAGE):
            value = self.by_lang.get(candidate)
            if value:
                return value
        return next(iter(self.by_lang.values()), "")


@dataclass(frozen=True, slots=True)
class Condition:
    """True when the answer to ``step`` is (or, negated, is not) one of ``values``.

    A multi-select answer matches when any selected option is among ``values``; a skipped or
    unanswered step matches the value ``skipped``.
    """

    step: str
    values: frozenset[str]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class Branch:
    goto: str
    when: tuple[Condition, ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: Text
    # Other ways to type this answer, per PHRASE_LANGUAGES key (``aliases: {en: […], roman: […]}``).
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Variant:
    """A step text used instead of the step's own when an earlier answer says so (first match wins)."""

    when: tuple[Condition, ...]
    text: Text


@dataclass(frozen=True, slots=True)
class ValidatorSpec:
    """A check on free text; ``kind`` is one of ``VALIDATOR_KINDS``, ``message`` overrides the reason."""

    kind: str
    params: Mapping[str, int | float | str] = field(default_factory=dict)
    message: Text | None = None


VALIDATOR_KINDS: tuple[str, ...] = ("length", "pattern", "number", "phone", "date")


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    text: Text | None
    next: tuple[Branch, ...]
    label: Text | None = None
    skippable: bool = False
    # Refused answers before moving to ``on_exhausted``. None: asked again, except that a skippable step
    # is skipped after runner.SKIPPED_AFTER refusals (nobody is held at a question she may leave out).
    max_attempts: int | None = None
    on_exhausted: str | None = None
    path: str = ""
    line: int = 0
    variants: tuple[Variant, ...] = ()

    KIND: ClassVar[str] = ""
    ASKS: ClassVar[bool] = True  # waits for the citizen's input
    EXAMPLE: ClassVar[str] = ""

    def side_exits(self) -> tuple[str, ...]:
        """Steps reached other than through ``next``: after too many tries, or a declined review."""
        return (self.on_exhausted,) if self.on_exhausted else ()


@dataclass(frozen=True, slots=True)
class MessageStep(Step):
    KIND: ClassVar[str] = "message"
    ASKS: ClassVar[bool] = False
    EXAMPLE: ClassVar[str] = """\
- id: safety
  kind: message
  text:
    en: "If you are in danger now, call 15. Type /exit at any time to clear this chat."
    ur: "اگر آپ اس وقت خطرے میں ہیں تو 15 پر کال کریں۔ یہ چیٹ صاف کرنے کے لیے کسی بھی وقت /exit لکھیں۔"
  next: reporter
"""


@dataclass(frozen=True, slots=True)
class ChoiceStep(Step):
    options: tuple[Option, ...] = ()
    multi: bool = False
    sets_language: bool = False
    columns: int = 1
    # Compiled by the loader from labels, ids, aliases and the flow's shared ``words``: phrase -> option id.
    vocabulary: Mapping[Phrase, str] = field(default_factory=dict)
    # From the flow's ``places`` table: a typed place name -> (option id, the name as written).
    places: Mapping[Phrase, tuple[str, str]] = field(default_factory=dict)
    # A typed age ("she is 15", "10 saal ki") picks the option whose range holds it: (option id, min, max).
    ages: tuple[tuple[str, int, int], ...] = ()

    KIND: ClassVar[str] = "choice"
    EXAMPLE: ClassVar[str] = """\
- id: platforms
  kind: choice
  multi: true          # several buttons may be ticked, then Done
  skippable: true
  columns: 2           # buttons per row on Telegram
  # ages: {"yes": [0, 17], "no": [18, 120]}   # a typed age picks an option (e.g. "Is she under 18?")
  label: {en: Platforms, ur: پلیٹ فارم}
  text: {en: "Where did it happen?", ur: "یہ کہاں ہوا؟"}
  options:
    - {id: facebook, label: {en: Facebook, ur: فیس بک}}
    - {id: whatsapp, label: {en: WhatsApp, ur: واٹس ایپ}}
  next:
    - when: {platforms: [whatsapp]}   # branch on an earlier answer
      goto: whatsapp_tip
    - goto: province
"""

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, slots=True)
class TextStep(Step):
    validators: tuple[ValidatorSpec, ...] = ()

    KIND: ClassVar[str] = "text"
    EXAMPLE: ClassVar[str] = """\
- id: phone
  kind: text
  label: {en: Phone, ur: فون}
  text: {en: "Which phone number may the officer call?", ur: "افسر کس نمبر پر کال کرے؟"}
  validators:
    - {kind: phone}                      # also: length {min, max}, pattern {regex}, number {min, max}, date
  max_attempts: 3
  on_exhausted: consent                  # after 3 refused answers, move on instead of asking again
  next: consent
"""


@dataclass(frozen=True, slots=True)
class LinksStep(Step):
    KIND: ClassVar[str] = "links"
    EXAMPLE: ClassVar[str] = """\
- id: evidence
  kind: links
  skippable: true
  label: {en: Evidence links, ur: ثبوت کے لنک}
  text:
    en: "Send links to the profile, post or chat. Several per message are fine. Press Done when finished."
    ur: "پروفائل، پوسٹ یا چیٹ کے لنک بھیجیں۔ ایک پیغام میں کئی لنک بھی بھیج سکتے ہیں۔ آخر میں Done دبائیں۔"
  next: suspects
"""


@dataclass(frozen=True, slots=True)
class Consent:
    """The review's consent: its sentence below the summary and its two buttons, on one screen."""

    text: Text
    send: Text  # the button that gives consent and sends
    decline: Text  # the button that does not send
    declined: str  # the step after "do not send" (an end step)


@dataclass(frozen=True, slots=True)
class ReviewStep(Step):
    fields: tuple[str, ...] = ()  # steps shown and editable; empty means every answered question
    # With consent, the review is also the permission to send: its answer is "yes" when sent, "no"
    # when declined, and a report field may bind to it (``report: {consent: review}``).
    consent: Consent | None = None

    def side_exits(self) -> tuple[str, ...]:
        return (*Step.side_exits(self), *((self.consent.declined,) if self.consent else ()))

    KIND: ClassVar[str] = "review"
    EXAMPLE: ClassVar[str] = """\
- id: review
  kind: review
  text:
    en: "Please check your report. Tap a line to change it."
    ur: "اپنی رپورٹ دیکھ لیں۔ کچھ بدلنا ہو تو اس کا بٹن دبائیں۔"
  fields: [category, platforms, province, account]   # optional; default: every answered question
  consent:                                            # optional: permission to send, on the same screen
    text: {en: "May we send this report to the NCCIA?", ur: "کیا یہ رپورٹ NCCIA کو بھیج دی جائے؟"}
    send: {en: "Send to NCCIA", ur: "NCCIA کو بھیجیں"}
    decline: {en: "Do not send", ur: "نہ بھیجیں"}
    declined: no_consent                              # the step after "Do not send"
  next: submit
"""


@dataclass(frozen=True, slots=True)
class SubmitStep(Step):
    KIND: ClassVar[str] = "submit"
    ASKS: ClassVar[bool] = False
    EXAMPLE: ClassVar[str] = """\
- id: submit
  kind: submit          # stores the report and gives it a reference number and PIN
  next: done
"""


@dataclass(frozen=True, slots=True)
class EndStep(Step):
    KIND: ClassVar[str] = "end"
    ASKS: ClassVar[bool] = False
    EXAMPLE: ClassVar[str] = """\
- id: done
  kind: end
  text:
    en: "Your report was sent. Reference: {reference}, PIN: {pin}."
    ur: "آپ کی رپورٹ بھیج دی گئی ہے۔ حوالہ نمبر: {reference}، پن: {pin}۔"
"""


# Phrase lists may also be written in Roman Urdu, the way most Pakistanis type Urdu.
PHRASE_LANGUAGES: tuple[str, ...] = ("en", "ur", "roman")


@dataclass(frozen=True, slots=True)
class Danger:
    """Typed phrases that say someone is in danger now, and the safety text they bring at once.

    Checked at every step on typed text (see ``danger.py`` and ``runner._danger``); a flow without a
    ``danger`` block has no such check.
    """

    phrases: Mapping[str, tuple[str, ...]]  # PHRASE_LANGUAGES key -> phrases
    text: Text
    line: int = 0

    EXAMPLE: ClassVar[str] = """\
danger:
  phrases:
    en: ["he is outside my house", "i am in danger", "kill myself"]
    ur: ["وہ مجھے مار دے گا", "خودکشی"]
    roman: ["wo mujhe maar dega", "khudkushi", "ghar ke bahar"]
  text:
    en: "If you are in danger now, call 15 (police). Numbers can change; if one does not answer, call 15."
    ur: "اگر آپ اس وقت خطرے میں ہیں تو پولیس کو \u206615\u2069 پر کال کریں۔"
"""


# Keys of a flow's ``words`` block that are not option ids: what they mean when typed.
WORD_ROLES: tuple[str, ...] = ("done", "send", "decline", "skip", "negations", "joiners", "years", "fillers")


@dataclass(frozen=True, slots=True)
class Words:
    """Typed words every question of the flow understands (the ``words`` block).

    ``lists`` maps a role (``WORD_ROLES``) or an option id (``yes``, ``no``, ``not_sure``…: aliases
    shared by every option with that id) to phrases per language; ``numbers`` lists, per language,
    the words for the 1st, 2nd… option ("first", "pehla", "پہلا").
    """

    lists: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    numbers: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    line: int = 0

    EXAMPLE: ClassVar[str] = """\
words:
  yes: {en: ["yes", "yeah"], ur: ["ہاں", "جی ہاں"], roman: ["haan", "ji", "jee"]}   # every option with id yes
  no: {en: ["no", "nope"], ur: ["نہیں"], roman: ["nahi", "nai", "nhi", "ji nahi"]}
  done: {en: ["done", "that's all"], ur: ["ہو گیا", "مکمل"], roman: ["bas", "ho gaya"]}   # ends links, ticks
  send: {en: ["send"], ur: ["بھیج دیں"], roman: ["bhej do"]}                     # sends from the review
  decline: {en: ["do not send"], roman: ["mat bhejo"]}        # at a consent review: asks to tap "Do not send"
  skip: {en: ["skip"], roman: ["chhor do"]}                                       # skips a skippable question
  negations: {en: ["not", "dont"], ur: ["نہیں", "مت"], roman: ["nahi", "mat"]}   # near a match: ask again
  joiners: {en: ["and"], ur: ["اور"], roman: ["aur"]}                             # between typed numbers
  years: {en: ["years", "year old"], ur: ["سال"], roman: ["saal", "sal"]}         # "15 saal" is an age
  fillers: {en: ["please", "sir"], ur: ["جی", "ہے"], roman: ["hai", "ji"]}          # polite words around a yes/no
  numbers: {en: [[first, one], [second, two]], roman: [[pehla, ek], [doosra, do]]}
"""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """``Words`` compiled for matching: every phrase as its ``match_words`` key."""

    roles: Mapping[str, frozenset[Phrase]] = field(default_factory=dict)  # role or option id -> phrases
    numbers: Mapping[str, int] = field(default_factory=dict)  # a number word -> its position (1-based)

    def phrases(self, role: str) -> frozenset[Phrase]:
        return self.roles.get(role, frozenset())

    def single(self, role: str) -> frozenset[str]:
        return frozenset(p[0] for p in self.phrases(role) if len(p) == 1)


STEP_KINDS: dict[str, type[Step]] = {
    cls.KIND: cls for cls in (MessageStep, ChoiceStep, TextStep, LinksStep, ReviewStep, SubmitStep, EndStep)
}

# Report fields a flow may bind to its steps (``report: {category: category, …}``), so routing and
# the case card do not depend on what an admin called the steps.
REPORT_FIELDS: tuple[str, ...] = (
    "reporter",
    "minor",
    "category",
    "platforms",
    "province",
    "started",
    "ongoing",
    "account",
    "evidence",
    "suspects",
    "contact",
    "phone",
    "consent",
)


@dataclass(frozen=True, slots=True)
class Flow:
    id: str
    spec_version: int
    name: Text
    languages: tuple[str, ...]
    start: str
    steps: Mapping[str, Step]
    report: Mapping[str, str]  # report field -> step id
    danger: Danger | None = None
    words: Words = field(default_factory=Words)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    # The ``places`` block as written: choice step id -> option id -> place names.
    places: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]
