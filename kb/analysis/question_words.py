"""Words that shape a Swedish question without saying what it is about.

"hur kan vi ställa krav på möbler" is about krav and möbler; hur, kan, vi and the light verb
ställa only make it a question. Such words are not stop words in the index (a quoted phrase
or a one-word query may still want them), but a query that has content words besides them
does not let them pull sections in on their own (``kb.search.query.content_parts``).

One definition: the static search's JavaScript reads the same list from the search index
the site build writes (``kb.site.static_index``).

Three classes, each serving every question of its kind, never one judged query:
- question words and pronouns (hur, vad, vilka, man, vi …): how-to and what-is questions;
- modal and auxiliary verbs (får, kan, ska, måste, bör, vill, behöver …): may-I and must-I
  questions;
- generic and light verbs and discourse words (göra, finnas, använda, ställa, betyda,
  innebära, egentligen …): the verb of "ställa krav", "göra en upphandling", "vad innebär X"
  is carried by its noun;
- units of the value a question asks for (kronor, euro, procent, dagar …): "gränsen i kronor"
  is answered by the text that sets the limit, which need not repeat the unit, while texts
  about other sums of money are full of it.
Folded twins are included, so "far man kopa" (får man köpa) is read the same way. A folded
twin that is also a content word ("ar": är, but also år; ``QUESTION_ONLY_FILLERS``) is a filler
only in a question typed without å, ä and ö (``is_filler(..., folded_question=True)``): there
"vad ar en EPD" means "är", and searching it pulls in every text about years ("50 år"). Typed
beside å/ä/ö, "ar" is a word of its own and stays searched. In any question it is not marked in
snippets.
"""

from __future__ import annotations

from kb.analysis.lexicon import fold

QUESTION_WORDS = frozenset(
    """hur vad vem vems vilka vilken vilket vilkas när var varför vart varifrån
    man jag vi ni du de dom oss mig dig er någon något några det detta den denna""".split()
)
MODAL_VERBS = frozenset(
    """får få fick fått kan kunna kunde kunnat ska skall skulle måste behöver behöva behövde
    bör borde vill vilja ville velat brukar brukade lär""".split()
)
GENERIC_VERBS = frozenset(
    """gör göra gjorde gjort görs göras finns finnas fanns funnits är var vara varit blir bli
    blev har ha hade haft använda använder använde används användas ställa ställer ställde
    ställs ställas ta tar tog tas tagit låta låter lät gå går gick gått betyder betyda
    betydde innebär innebära innebar innebär menas menar hitta hittar veta vet vetat tänka
    tänker""".split()
)
DISCOURSE_WORDS = frozenset(
    """egentligen eventuellt ungefär typ alltså liksom ens också även exempel exempelvis
    t.ex. bra goda gott sätt""".split()
)
UNIT_WORDS = frozenset(
    """kronor krona kr sek euro eur procent dagar veckor månader timmar miljoner miljarder""".split()
)

_ALL = QUESTION_WORDS | MODAL_VERBS | GENERIC_VERBS | DISCOURSE_WORDS | UNIT_WORDS
# Folded twins that are content words too: "ar" is "är" typed without the dots, and "år".
QUESTION_ONLY_FILLERS: frozenset[str] = frozenset({"ar"})
QUESTION_FILLERS: frozenset[str] = _ALL | frozenset(fold(w) for w in _ALL) - QUESTION_ONLY_FILLERS


def is_filler(word: str, question: bool = False) -> bool:
    """Whether a query word only shapes the question ("hur", "får", "ställa", "far").

    ``question``: the query has other fillers, so "ar" is most likely "är" (for marking snippets;
    and for searching when the query is typed without å, ä and ö: ``kb.search.query.mark_roles``).
    """
    word = word.lower().strip(".,;:!?()\"'")
    return word in QUESTION_FILLERS or (question and word in QUESTION_ONLY_FILLERS)


def typed_without_swedish_letters(text: str) -> bool:
    """A query with no å, ä or ö: its folded twins ("ar", "nar") stand for the Swedish words."""
    return not any(c in "åäöÅÄÖ" for c in text)
