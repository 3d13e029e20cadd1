"""Swedish word forms and lemmas from simplemma's data, plain and ASCII-folded.

simplemma ships one lzma-compressed ``{form: lemma}`` table per language (963k Swedish
forms). We reuse the very table simplemma's own lemmatizer has cached (no second copy)
and derive from it, once per process and lazily:

* the set of lemmas usable as compound parts (alphabetic, lower-case, length >= 3);
* for the folded field, a map from folded form to folded lemma, so that input typed
  without diacritics ("mobler") is lemmatized too ("mobel").

A few known data errors are patched in ``LEMMA_OVERRIDES`` / ``EXTRA_LEMMAS``.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Mapping

# simplemma maps these nouns to verbs ("avfall" -> "avfalla", "avfallet" -> "avfallen").
LEMMA_OVERRIDES: dict[str, str] = {
    "avfall": "avfall",
    "avfallet": "avfall",
    "avfalls": "avfall",
    "avfallets": "avfall",
    "återbruk": "återbruk",
    "bygg": "bygg",
    "köp": "köp",
    "kap": "kapitel",  # the abbreviation in "19 a kap.", not the verb "kapa"
}
# Nouns missing from the lemma side of the data but common as compound parts.
EXTRA_LEMMAS: frozenset[str] = frozenset({"avfall", "bygg", "köp", "lca", "epd"})

_FOLD_TABLE = str.maketrans("åäöéèêëüáàâæøÅÄÖÉÈÜÁÀ", "aaoeeeeuaaaaoAAOEEUAA")


def fold(text: str) -> str:
    """'Återbruk möbler' -> 'Aterbruk mobler': a fast table for Swedish letters, NFKD for the rest."""
    text = text.translate(_FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _raw_forms() -> Mapping[bytes, bytes]:
    """simplemma's cached bytes->bytes Swedish table (shared with ``simplemma.lemmatize``)."""
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    mapping = DEFAULT_DICTIONARY_FACTORY.get_dictionary("sv")
    raw = getattr(mapping, "_dict", None)
    if isinstance(raw, dict):
        return raw
    return {k.encode(): v.encode() for k, v in mapping.items()}  # pragma: no cover - other simplemma layout


def _is_word(text: str) -> bool:
    return len(text) >= 3 and text.isalpha() and text.islower()


class Lexicon:
    """Form -> lemma lookups plus the set of lemmas that may be compound parts.

    ``folded=True`` gives the same service over ASCII-folded forms and lemmas.
    """

    def __init__(
        self,
        forms: Mapping[bytes, bytes],
        lemmas: set[str],
        folded_forms: Mapping[str, str] | None = None,
    ) -> None:
        self.forms = forms
        self.lemmas = lemmas
        self.folded = folded_forms is not None
        self._folded_forms = folded_forms or {}
        self._overrides = (
            {fold(k): fold(v) for k, v in LEMMA_OVERRIDES.items()} if self.folded else LEMMA_OVERRIDES
        )

    def lemma(self, word: str) -> str | None:
        """Lower-case lemma of a known lower-case form, else None (unknown word)."""
        hit = self._overrides.get(word)
        if hit is not None:
            return hit
        raw = self.forms.get(word.encode())
        if raw is None and word[:1].isalpha():
            raw = self.forms.get(word.capitalize().encode())  # proper nouns: "sverige"
        if raw is not None:
            value = raw.decode().lower()
            return fold(value) if self.folded else value
        if self.folded:
            return self._folded_forms.get(word)
        return None

    def is_known(self, word: str) -> bool:
        return word in self.lemmas or self.lemma(word) is not None


_lock = threading.Lock()
_lexicons: dict[bool, Lexicon] = {}


def get_lexicon(folded: bool = False) -> Lexicon:
    """The process-wide plain or folded lexicon, built on first use (~2 s, ~3 s folded)."""
    lex = _lexicons.get(folded)
    if lex is not None:
        return lex
    with _lock:
        if folded not in _lexicons:
            _lexicons[folded] = _build(folded)
        return _lexicons[folded]


def _build(folded: bool) -> Lexicon:
    forms = _raw_forms()
    lemmas = {v for v in {raw.decode() for raw in forms.values()} if _is_word(v)} | EXTRA_LEMMAS
    if not folded:
        return Lexicon(forms, lemmas)
    folded_forms: dict[str, str] = {}
    for key, value in forms.items():
        if key.isascii():
            continue  # found directly in ``forms``
        text = key.decode()
        if text.isalpha() and text.islower():
            folded_forms.setdefault(fold(text), fold(value.decode().lower()))
    return Lexicon(forms, {fold(w) for w in lemmas}, folded_forms)


def folded_lemmas(words: Iterable[str]) -> set[str]:
    """Fold a word collection (for adding corpus vocabulary to a folded splitter)."""
    return {fold(w) for w in words}
