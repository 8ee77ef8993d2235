"""Which reply language a user's first message asks for: Urdu script ("ur"), Roman Urdu ("roman") or English ("en").

Why: the first reply must be in the writer's language, and a frightened user who gets an answer in
a language they read poorly may give up. Three kinds of writer arrive: Urdu in its own script,
Urdu in Latin letters (Roman Urdu, "mujhe madad chahiye"), and English. Script settles the first.
Statistical detectors cannot see Roman Urdu (langdetect calls it Indonesian or Somali), so Latin
text is scored against two small word lists; langdetect only arbitrates longer text those lists
leave undecided, and is loaded on first use so start-up stays fast. Telegram's ``language_code``
is a prior for empty, very short or ambiguous input.

Greetings ("salam", "aoa", "assalam o alaikum") are weak Urdu evidence: Pakistanis writing English
use them too, so with an English prior "salam" alone stays English; with no prior it is Urdu.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from bot.engine.normalise import normalise

URDU, ENGLISH, ROMAN = "ur", "en", "roman"


@dataclass(frozen=True, slots=True)
class Detection:
    lang: str  # "ur" | "roman" | "en"
    reason: str  # "urdu_script" | "roman_urdu" | "langdetect" | "english_words" | "prior" | "default"
    confidence: float  # 0..1, rough


_ARABIC_CHAR = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# Letters Arabic and Persian lack, so one of them already says "Urdu keyboard".
_URDU_ONLY = frozenset("ٹڈڑںھہےۓ")

# Only the single token after /start is a deep-link payload; text after other commands is typed.
_STRIP = re.compile(
    r"^/start(?:@\w+)?\s+[\w-]{1,64}(?=\s|$)"
    r"|(?<!\S)/\w+(?:@\w+)?"
    r"|(?:https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|pk|net|org|me|io|ly|gl|co|tv|app|info|gov|edu)\b(?:/\S*)?"
    r"|\S+@\S+\.\w+"
    r"|@\w+"
    r"|\d+",
    re.IGNORECASE,
)
_LATIN_WORD = re.compile(r"[a-z]+")
_SCAN_CHARS = 4000
_SQUEEZE = re.compile(r"(.)\1{2,}")  # "plzzz", "helppp"


def _lexicon(*groups: tuple[float, str]) -> dict[str, float]:
    return {word: weight for weight, words in groups for word in words.split()}


# Grammar words and common verbs, in the spellings people type. Nouns borrowed from English
# (account, photos, report, blackmail) appear in both languages' messages, so they score nothing.
_ROMAN_URDU = _lexicon(
    (
        1.0,
        """hai hay hain hen hein hoon hun hu houn mujhe mujhay muje mjhe mujhko mujh mujhse mjhse mera meri
        mere mery tera teri tere tumhara tumhari hamara hamari hamare humara humari hamein humein hame hume
        apna apni apne unka unki unke uska uski uske iska iski iske inka inki kya kia kyun kyu kyon kaise kese
        kaun kon kab kahan kidhar nahi nahin nai nhi nahe aur ko ki ka ke se ne mein mai mei madad chahiye
        chahie chahiay chahta chahti chahte kar karo karna karni karne karein karen kren karain kro krna krni
        krne kr karta karti karte karengi karenge karega karegi karoon karun karu kiya kiye raha rahi rahe rha
        rhi rhe ho hoti hota hote hua hui huwa hue huay gaya gayi gai gya gyi gye gaye bhai behan bahen behen
        baji yaar yar aap ap tum tu kuch kuchh kch bohat bohot bahut bht bhot boht acha achha accha theek thik
        sakte sakti sakta skte skti wala wali wale walon pe tha thi thay batao bataen bataein bataye bataiye
        bata koi kisi kis ye yeh wo woh voh vo bhi sirf abhi ab kal aaj shukriya shukria beti beta bete bache
        bacha bachi bachon ammi abbu ghar dhamki dhamkiyan dhamkian tang pareshan pareshaan tasveer tasveerein
        tasveeren tasweer tasaveer baat baatein baaten larka larki ladka ladki larkay aadmi admi banda aurat
        paise pese paisay pesay raat jab tab agar magar lekin laikin warna varna phir dekho dekha bhej
        bheja bhejta bhejti bhejo dega degi dena diya lena liya lia keh kehta kehti kaha pata chal chala dar
        lagta lag saal mahine mahina naam galat gande ganday gandi ek sab sabko jaldi foran haan han ji jee
        shikayat dijiye kahin bilkul khud sath saath liye wajah zara mil mila rahay hoga hogi bana bani bane
        banai banayi banaya maang mang bachao bina hum na de di le li
        hogya hogaya hogyi krdi krdo krdia krdiya krta krti mdd mada jldi btao btaen btayen bta plzz g
        kesy kaisy kuchh mjhy mujhy hy hn ni nhn kch bht usne usney isne unhon unhone inhon""",
    ),
    (0.7, "par log jo"),
    (0.5, "main"),
    (0.3, "to me he hi or do is"),
)
_ENGLISH = _lexicon(
    (
        1.0,
        """the are was were be been being am i im ive my mine you your youre yours we our they them their
        she her him his it its this that these those there here what who whom whose how why when where which
        and but if of for with from at by about into than then because not yes dont doesnt didnt cant
        cannot wont isnt arent wasnt havent need needs want wants wanted would should could can will shall
        may might must have has had having does did done doing get gets got getting know knows knew make
        makes made keep keeps kept say says said tell told ask asks asked asking send sends sent sending post
        posts posted posting share shares shared sharing hacked threatening threatened threatens threat
        threats harassing harassed harasses harassment blackmailing blackmailed bullying bullied stalking
        stalked abusing abused someone somebody anyone anybody everyone nobody something anything nothing
        stop thank thanks good morning evening every again also still just only very really year years old
        ago months weeks without after before since until while during happened happen happens work works
        real own other another going come coming went gone like found received stolen stranger""",
    ),
    (0.7, "is or"),
    # "plz"/"pls" score nothing: Roman Urdu writers use them as much as English ones.
    (0.5, "a in so do to me he no hello hey help please now daughter son sister brother wife husband"),
    (0.3, "hi main"),
)
_ENGLISH_SUFFIXES = ("ing", "tion", "sion")
# Scored apart: a greeting alone may tip an otherwise empty message, never outweigh the prior.
_GREETINGS = frozenset(
    (
        "salam",
        "salaam",
        "slam",
        "assalam",
        "asalam",
        "aslam",
        "assalamualaikum",
        "asalamualaikum",
        "assalamoalaikum",
        "asalamoalaikum",
        "assalamu",
        "asalamu",
        "alaikum",
        "alaykum",
        "alaikom",
        "walaikum",
        "aoa",
        "slm",
    )
)
# "A.O.A", "a o a": the initials of the greeting, written with dots or spaces.
_AOA = re.compile(r"\ba[.\s]{0,2}o[.\s]{0,2}a\b", re.IGNORECASE)


def _language_of_code(code: str | None) -> str | None:
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in (URDU, ENGLISH) else None


def _arabic_letters(text: str) -> int:
    # The blocks also hold digits, punctuation and vowel marks; only letters are evidence.
    return sum(1 for ch in _ARABIC_CHAR.findall(text) if ch.isalpha())


def _known(word: str) -> str:
    # Chat spelling stretches words ("plzzz", "salaaam"); try the stretched run as two letters, then one.
    for form in (word, _SQUEEZE.sub(r"\1\1", word), _SQUEEZE.sub(r"\1", word)):
        if form in _ROMAN_URDU or form in _ENGLISH or form in _GREETINGS:
            return form
    return word


def _word_scores(words: list[str], arabic_words: int) -> tuple[float, float, float]:
    # A few Urdu-script words inside Latin text still mean the writer reads Urdu.
    ur, en, greetings = float(arabic_words), 0.0, 0.0
    for raw in words:
        word = _known(raw)
        if word in _GREETINGS:
            greetings += 0.5
        elif word in _ROMAN_URDU or word in _ENGLISH:
            ur += _ROMAN_URDU.get(word, 0.0)
            en += _ENGLISH.get(word, 0.0)
        elif len(word) >= 6 and word.endswith(_ENGLISH_SUFFIXES):
            # Unlisted "-ing"/"-tion" words are English morphology; Roman Urdu has no such endings.
            en += 0.5
    return ur, en, greetings


_factory: Any = None
_factory_lock = threading.Lock()


def _langdetect(text: str) -> tuple[str, float] | None:
    global _factory
    # Imported here: loading the 55 profiles takes ~0.3 s and most messages never need them.
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    with _factory_lock:
        if _factory is None:
            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            # Seeded on our own factory, not the class, so other users of langdetect are untouched.
            factory.set_seed(0)
            _factory = factory
    try:
        detector = _factory.create()
        detector.append(text[:1000])  # the first sentences decide; bounds the cost
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None
    lang = {"en": ENGLISH, "ur": URDU, "hi": URDU, "fa": URDU, "ar": URDU}.get(str(best.lang))
    return (lang, min(float(best.prob), 0.95)) if lang else None


def _words_decision(ur: float, en: float, reason_confidence: float, script_words: int = 0) -> Detection:
    # Urdu words in Latin letters mean a Roman Urdu reader; a few in Urdu script among them, an Urdu reader.
    lang = (URDU if script_words and script_words >= ur - script_words else ROMAN) if ur > en else ENGLISH
    # Word lists are a heuristic: never claim certainty.
    return Detection(lang, "roman_urdu" if lang != ENGLISH else "english_words", round(min(reason_confidence, 0.95), 3))


def detect_language(text: str, language_code: str | None = None) -> Detection:
    """Urdu or English for ``text``, with Telegram's ``language_code`` as the tie-breaking prior."""
    prior = _language_of_code(language_code)
    # The opening sentences decide; a cap keeps a pasted 20,000-character message cheap.
    cleaned = _STRIP.sub(" ", normalise(text)[:_SCAN_CHARS].replace("\u2019", "'").replace("'", ""))
    cleaned = _AOA.sub(" aoa ", cleaned)

    arabic = _arabic_letters(cleaned)
    words = _LATIN_WORD.findall(cleaned.lower())
    latin = sum(map(len, words))
    if arabic > latin and (arabic >= 2 or not _URDU_ONLY.isdisjoint(cleaned)):
        return Detection(URDU, "urdu_script", round(0.6 + 0.4 * arabic / (arabic + latin) * min(1.0, arabic / 6), 3))

    arabic_words = sum(1 for token in cleaned.split() if _arabic_letters(token) >= 2) if arabic else 0
    ur, en, greetings = _word_scores(words, arabic_words)
    total = ur + en
    share = max(ur, en) / total if total else 0.5
    if max(ur, en) >= 1.0 and share >= 0.6:
        return _words_decision(ur, en, 0.5 + (share - 0.5) * min(1.0, total / 3), arabic_words)

    # Word lists undecided on a longer text: let the statistical model arbitrate.
    if latin >= 25:
        found = _langdetect(" ".join(words))
        if found:
            # Only the Latin words were given to it: an Urdu-like verdict on them is Roman Urdu.
            return Detection(ROMAN if found[0] == URDU else found[0], "langdetect", round(found[1], 3))

    # A Latin-letter Urdu greeting and nothing against it ("salam", "A.O.A", "slam sir"): likely a
    # Roman Urdu writer, whatever the phone's language, but not sure enough to skip asking.
    if greetings and ur >= en:
        return Detection(ROMAN, "greeting", 0.55)
    # Ties and weak evidence ("please", "hello") yield to the prior but beat a blind default.
    if prior:
        return Detection(prior, "prior", 0.6)
    ur += greetings
    if abs(ur - en) >= 0.5:
        return _words_decision(ur, en, 0.5 + 0.2 * min(1.0, abs(ur - en)))
    return Detection(ENGLISH, "default", 0.5)


# At or above this, the first reply is in the detected language with a one-tap switch; below it the
# bot asks, with the likely language first. Measured on bench/corpus/first_messages.tsv.
CONFIDENT = 0.7


def confident(detection: Detection) -> bool:
    return detection.reason not in ("prior", "default") and detection.confidence >= CONFIDENT


def opening(text: str, language_code: str | None, fallback: str) -> tuple[str, str]:
    """The language to start a conversation in from its first message, and how sure that is:
    ("roman", "detected") skips the language question; ("en", "likely") asks it, English first.
    ``fallback`` is the chat's language so far, used when the text says nothing."""
    detected = detect_language(text, language_code)
    if confident(detected):
        return detected.lang, "detected"
    return (detected.lang if detected.reason not in ("prior", "default") else fallback), "likely"
