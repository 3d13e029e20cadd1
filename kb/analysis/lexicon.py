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

import os
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

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

MEMO_LIMIT = 100_000
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
        self.memo: dict[str, str | None] = {}
        self._overrides = (
            {fold(k): fold(v) for k, v in LEMMA_OVERRIDES.items()} if self.folded else LEMMA_OVERRIDES
        )

    def lemma(self, word: str) -> str | None:
        """Lower-case lemma of a known lower-case form, else None (unknown word).

        Memoized: the compound splitter asks for the same word endings over and over.
        """
        memo = self.memo
        if word in memo:
            return memo[word]
        if len(memo) >= MEMO_LIMIT:  # a long-running server meets ever new words: stay bounded
            memo.clear()
        result = memo[word] = self._lemma(word)
        return result

    def _lemma(self, word: str) -> str | None:
        hit = self._overrides.get(word)
        if hit is not None:
            return hit
        get = self.forms.get
        raw = get(word.encode())
        if raw is None and word[:1].isalpha():
            raw = get(word.capitalize().encode())  # proper nouns: "sverige"
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
    """The process-wide plain or folded lexicon, built on first use (~2 s, ~3 s folded).

    Both read the compact cache (``compact_lexicon_files``) when it exists: memory-mapped
    tries instead of simplemma's 963k-entry dict (~5 MB instead of ~75 MB, and no 2-3 s
    load); the answers are the same. Without it, the first load writes it and reads it back;
    only where it cannot be written is the table itself used.
    """
    lex = _lexicons.get(folded)
    if lex is not None:
        return lex
    with _lock:
        if folded not in _lexicons:
            lex = _load_compact(folded)
            if lex is None and write_compact_lexicon():
                lex = _load_compact(folded)
            if lex is None:
                lex = _build(folded)
            _lexicons[folded] = lex
        return _lexicons[folded]


def _build(folded: bool) -> Lexicon:
    forms = _raw_forms()
    lemmas = _lemmas_of(forms)
    if not folded:
        return Lexicon(forms, lemmas)
    return Lexicon(forms, {fold(w) for w in lemmas}, _folded_forms_of(forms))


def _folded_forms_of(forms: Mapping[bytes, bytes]) -> dict[str, str]:
    """Folded form -> folded lemma for forms with diacritics (the first one wins)."""
    folded_forms: dict[str, str] = {}
    for key, value in forms.items():
        if key.isascii():
            continue  # found directly in ``forms``
        text = key.decode()
        if text.isalpha() and text.islower():
            folded_forms.setdefault(fold(text), fold(value.decode().lower()))
    return folded_forms


def _lemmas_of(forms: Mapping[bytes, bytes]) -> set[str]:
    return {v for v in {raw.decode() for raw in forms.values()} if _is_word(v)} | EXTRA_LEMMAS


# -- the compact cache of both lexicons --------------------------------------------------

COMPACT_FORMAT = 2


class CompactForms:
    """simplemma's form -> lemma table as a memory-mapped marisa trie, with the dict's ``get``."""

    def __init__(self, path: Path) -> None:
        import marisa_trie

        self._trie = marisa_trie.BytesTrie()
        self._trie.mmap(str(path))

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        hit = self._trie.get(key.decode())
        return hit[0] if hit else default


class CompactTextMap(CompactForms):
    """The same over text: the folded lexicon's folded form -> folded lemma map."""

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        hit = self._trie.get(key)
        return hit[0].decode() if hit else default


def compact_lexicon_files() -> tuple[Path, ...]:
    """(trie of forms, lemma list, folded forms trie, folded lemma list, folded-only forms trie)
    in the cache folder (``KB_CACHE_DIR``, else ~/.cache/kb), named after the simplemma version:
    package data, never anything from a corpus."""
    from importlib.metadata import version

    folder = Path(os.environ.get("KB_CACHE_DIR") or Path.home() / ".cache" / "kb")
    stem = f"lexicon-sv-simplemma{version('simplemma')}-v{COMPACT_FORMAT}"
    return tuple(
        folder / f"{stem}.{name}"
        for name in ("forms.marisa", "lemmas.txt", "folded.forms.marisa", "folded.lemmas.txt", "folded.extra.marisa")
    )


def write_compact_lexicon() -> bool:
    """Write the compact cache from simplemma's table (~5 s, ~200 MB while it runs: call it in
    a short-lived process). False when marisa-trie is missing or the folder is not writable."""
    try:
        import marisa_trie
    except ImportError:  # pragma: no cover - a pinned dependency
        return False
    paths = compact_lexicon_files()
    forms_path, lemmas_path, folded_path, folded_lemmas_path, extra_path = paths
    try:
        forms_path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(forms_path.parent, os.W_OK):
            return False  # before the work, not after it
        raw = _raw_forms()
        lemmas = _lemmas_of(raw)
        # The folded lexicon looks words up in the plain table and folds the lemma it finds;
        # storing the folded lemma directly gives the same answers.
        tries = {
            forms_path: marisa_trie.BytesTrie((key.decode(), value) for key, value in raw.items()),
            folded_path: marisa_trie.BytesTrie(
                (key.decode(), fold(value.decode().lower()).encode()) for key, value in raw.items()
            ),
            extra_path: marisa_trie.BytesTrie((k, v.encode()) for k, v in _folded_forms_of(raw).items()),
        }
        texts = {lemmas_path: sorted(lemmas), folded_lemmas_path: sorted({fold(w) for w in lemmas})}
        for path, trie in tries.items():
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            trie.save(str(tmp))
            os.replace(tmp, path)
        for path, lines in texts.items():
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text("\n".join(lines), encoding="utf-8")
            os.replace(tmp, path)
    except OSError:
        return False
    return True


def _load_compact(folded: bool = False) -> Lexicon | None:
    forms_path, lemmas_path, folded_path, folded_lemmas_path, extra_path = compact_lexicon_files()
    try:
        if not folded:
            lemmas = set(lemmas_path.read_text(encoding="utf-8").split("\n"))
            return Lexicon(CompactForms(forms_path), lemmas)  # type: ignore[arg-type]
        lemmas = set(folded_lemmas_path.read_text(encoding="utf-8").split("\n"))
        return Lexicon(CompactForms(folded_path), lemmas, CompactTextMap(extra_path))  # type: ignore[arg-type]
    except (OSError, ImportError, ValueError, RuntimeError):
        return None


def folded_lemmas(words: Iterable[str]) -> set[str]:
    """Fold a word collection (for adding corpus vocabulary to a folded splitter)."""
    return {fold(w) for w in words}
