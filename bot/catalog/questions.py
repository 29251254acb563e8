"""Plain questions typed in the private chat: which cards they are about, and
whether they speak of pain.

"what does the gluteus medius do?" and "how do I do a hip thrust" name cards;
"my knee hurts on lunges" speaks of pain (and of the knee, and of lunges), so
it gets the safety guidance with the swaps for those moves first. Pure text
work: no database, no Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.search import CardIndex, Match, normalise


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say something hurts. "sore" is here too: soreness a day or two
# after training is normal, and the guidance says so.
PAIN_WORDS = _words(
    """
    hurt hurts hurting hurted pain pains painful injury injuries injured injure ache aches
    aching achy sore soreness sprain sprained strain strained twinge twinges pinch pinches
    pinching pinched tweak tweaked swollen swelling numb numbness tingling tingle clicking
    """
)
# Where it hurts, or what the member is going through, as the swaps name it.
CONDITION_WORDS = {
    "knee": "knee",
    "knees": "knee",
    "kneecap": "knee",
    "back": "back",
    "spine": "back",
    "lumbar": "back",
    "sciatica": "back",
    "pregnant": "pregnancy",
    "pregnancy": "pregnancy",
    "postpartum": "pregnancy",
    "postnatal": "pregnancy",
    "surgery": "injury",
    "operation": "injury",
    "injury": "injury",
    "injured": "injury",
}
# Conditions that make any message about them a question of safety, and their words.
HEALTH_CONDITIONS = frozenset({"pregnancy", "injury"})
HEALTH_WORDS = frozenset(w for w, c in CONDITION_WORDS.items() if c in HEALTH_CONDITIONS)
# Words that carry no card name: question words, pronouns, fillers.
STOP_WORDS = _words(
    """
    a about after again all also am an and any anything are as at be been before best better
    but by can could did do does doing done during each ever explain feel feeling felt for
    exercise exercises form from get gets getting good had has have having help hey hi how i
    if im in into is it its just know left let like lower me mine more most much my need
    needs of off on one or other our out please properly really right should show so some
    something
    technique tell than thank thanks that the them then there these they thing this those
    to today too up upper us very want was way we well were what when where which while who
    why will with work works would yes you your
    """
)
QUESTION_STARTS = _words(
    "what how why which where when who can could should is are does do did tell explain show"
)
# A message without a question mark or a question word is a question only when short.
SHORT = 3


@dataclass(frozen=True, slots=True)
class Question:
    """What a typed message asks about."""

    match: Match  # the cards it names (found, choices, or empty)
    pain: bool = False
    conditions: tuple[str, ...] = ()  # the swap reasons it speaks of

    @property
    def about_safety(self) -> bool:
        """Pain, pregnancy or an injury: the safety guidance answers, not a card."""
        return self.pain or bool(HEALTH_CONDITIONS & set(self.conditions))


def read_question(index: CardIndex, text: str) -> Question:
    """The cards `text` names and whether it speaks of pain. A message that is
    neither a question nor short, and names no pain, names nothing."""
    words = normalise(text[:500]).split()
    pain = any(word in PAIN_WORDS for word in words)
    conditions = tuple(dict.fromkeys(CONDITION_WORDS[w] for w in words if w in CONDITION_WORDS))
    content = [
        word
        for word in words
        if word not in STOP_WORDS
        and word not in PAIN_WORDS
        # "my knee hurts", "pregnant": the reason for a swap, not a card's name
        and not ((pain or word in HEALTH_WORDS) and word in CONDITION_WORDS)
    ]
    asks = "?" in text or bool(words and words[0] in QUESTION_STARTS)
    question = Question(Match("empty", ()), pain, conditions)
    if not content or not (question.about_safety or asks or len(content) <= SHORT):
        return question
    return Question(index.find_in(content), pain, conditions)


# -- notes that should reach a coach -------------------------------------------------
# Words in a check-in note that read like pain or an injury, per language (the
# member may write in any of them). Soreness and aches are left out on purpose:
# muscles that are sore a day or two after training are expected.
ALERT_WORDS = {
    "en": _words(
        """
        pain pains painful hurt hurts hurting injury injuries injured sprain sprained
        pinch pinches pinched pinching sharp numb numbness tingling tingle tingles dizzy
        dizziness faint fainted swelling swollen twinge twinged tweaked popped bruised
        """
    ),
    "de": _words(
        """
        schmerz schmerzen schmerzt weh verletzt verletzung zerrung stechend taub
        kribbeln kribbelt schwindel schwindelig geschwollen schwellung
        """
    ),
    "es": _words(
        """
        dolor duele dolio lesion lesionado lesionada torcedura punzante entumecido
        entumecida hormigueo mareo mareado mareada hinchazon hinchado hinchada
        """
    ),
}
# Phrases, as `normalise` spells them ("can't" is "can t").
ALERT_PHRASES = (
    "can t walk",
    "cannot walk",
    "can t stand",
    "can t move",
    "gave way",
    "gave out",
    "kann nicht gehen",
    "no puedo caminar",
)
# "no pain", "without pain", "kein Schmerz", "sin dolor": a word right after one of
# these is not a complaint.
NEGATIONS = _words("no not without zero never kein keine keinen ohne sin nada")
ALERT_ANY = frozenset().union(*ALERT_WORDS.values())


def reads_like_pain(text: str) -> bool:
    """Whether a note reads like pain or an injury a coach should see at once."""
    words = normalise(text[:2000]).split()
    joined = f" {' '.join(words)} "
    if any(f" {phrase} " in joined for phrase in ALERT_PHRASES):
        return True
    for position, word in enumerate(words):
        if word not in ALERT_ANY:
            continue
        before = words[max(0, position - 2) : position]
        if not NEGATIONS & set(before):
            return True
    return False
