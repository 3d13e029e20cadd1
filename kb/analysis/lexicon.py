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

import array
import logging
import mmap
import os
import struct
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kb.model import fold_ascii
from kb.util.atomic_files import replace_atomically, write_atomically

if TYPE_CHECKING:
    import marisa_trie

log = logging.getLogger(__name__)

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
fold = fold_ascii  # the index folds as URLs and snippets do: kb.model.FOLD_TABLE


def raw_forms() -> Mapping[bytes, bytes]:
    """simplemma's cached bytes->bytes Swedish table (shared with ``simplemma.lemmatize``)."""
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    mapping = DEFAULT_DICTIONARY_FACTORY.get_dictionary("sv")
    raw = getattr(mapping, "_dict", None)
    if isinstance(raw, dict):
        return raw
    return {k.encode(): v.encode() for k, v in mapping.items()}  # pragma: no cover - other simplemma layout


class TextMap(Protocol):
    def get(self, key: str, /) -> str | None: ...


def _is_word(text: str) -> bool:
    return len(text) >= 3 and text.isalpha() and text.islower()


def cut_trie(lexicon: Collection[str]) -> marisa_trie.Trie:
    """The lemmas, and those ending in -a/-e without that letter: a modifier (see
    ``CompoundSplitter._modifier``) is one of these or one letter longer, so the trie's
    ``prefixes`` of a word's rest name every cut where a modifier can end."""
    import marisa_trie

    return marisa_trie.Trie({*lexicon, *(w[:-1] for w in lexicon if w[-1:] in ("a", "e"))})


class Lexicon:
    """Form -> lemma lookups plus the set of lemmas that may be compound parts.

    ``forms.get(word)`` gives a form's lemma as the lexicon answers it (lower-case, folded for
    the folded lexicon), ``folded_forms`` the lemma of a folded form the plain table lacks.
    ``folded=True`` gives the same service over ASCII-folded forms and lemmas. ``cuts`` (from
    the compact cache) is ``cut_trie(lemmas)`` for the compound splitter. ``cased`` holds the
    forms with an upper-case letter (few): a word is retried capitalized only if its
    capitalized form could be a key, which spares most unknown words a second lookup.
    """

    def __init__(
        self,
        forms: TextMap,
        lemmas: set[str],
        folded_forms: TextMap | None = None,
        *,
        folded: bool = False,
        cuts: marisa_trie.Trie | None = None,
        cased: frozenset[str] | None = None,
    ) -> None:
        self.forms = forms
        self.lemmas = lemmas
        self.folded = folded
        self.cuts = cuts
        self.folded_forms = folded_forms
        self._get = forms.get
        self._cased = cased
        self._folded_get = folded_forms.get if folded_forms is not None else None
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
        hit = self._get(word)
        if hit is None and word[:1].isalpha():
            capitalized = word.capitalize()  # proper nouns: "sverige"
            # A key is in ``cased`` unless it equals its lower-case; then, unless it is the word
            # itself (just missed), it must be looked up.
            cased = self._cased
            if cased is None or capitalized in cased or (capitalized == capitalized.lower() and capitalized != word):
                hit = self._get(capitalized)
        if hit is None and self._folded_get is not None:
            return self._folded_get(word)
        return hit

    def is_known(self, word: str) -> bool:
        return word in self.lemmas or self.lemma(word) is not None


class TableForms:
    """simplemma's bytes -> bytes table read as the lexicon reads it: text in, lemma out
    (lower-case; folded for the folded lexicon). Only where no compact cache can be written."""

    def __init__(self, raw: Mapping[bytes, bytes], folded: bool) -> None:
        self._raw_get = raw.get
        self._folded = folded

    def get(self, word: str) -> str | None:
        raw = self._raw_get(word.encode())
        if raw is None:
            return None
        value = raw.decode().lower()
        return fold(value) if self._folded else value


_lock = threading.Lock()
loaded_lexicons: dict[bool, Lexicon] = {}


def get_lexicon(folded: bool = False) -> Lexicon:
    """The process-wide plain or folded lexicon, built on first use (~2 s, ~3 s folded).

    Both read the compact cache (``compact_lexicon_files``) when it exists: memory-mapped
    tries instead of simplemma's 963k-entry dict (~5 MB instead of ~75 MB, and no 2-3 s
    load); the answers are the same. Without it, the first load writes it and reads it back;
    only where it cannot be written is the table itself used.
    """
    lex = loaded_lexicons.get(folded)
    if lex is not None:
        return lex
    with _lock:
        if folded not in loaded_lexicons:
            lex = load_compact_lexicon(folded)
            if lex is None:
                # Once per machine (and simplemma version); without a word the first command looks hung.
                log.warning(
                    "Preparing the Swedish word lists in %s (once on this machine, about 15 s)...",
                    compact_lexicon_files()[0].parent,
                )
            if lex is None and write_compact_lexicon():
                lex = load_compact_lexicon(folded)
            if lex is None:
                lex = build_lexicon(folded)
            loaded_lexicons[folded] = lex
        return loaded_lexicons[folded]


def build_lexicon(folded: bool) -> Lexicon:
    forms = raw_forms()
    lemmas = _lemmas_of(forms)
    if not folded:
        return Lexicon(TableForms(forms, False), lemmas)
    return Lexicon(TableForms(forms, True), {fold(w) for w in lemmas}, _folded_forms_of(forms), folded=True)


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

COMPACT_FORMAT = 3
_MAGIC = b"kbmap\x00\x00\x01"
_HEADER = struct.Struct("<8sQQQ")  # magic, then the byte sizes of the key trie, value trie, id table


def _aligned(size: int) -> int:
    return (size + 7) // 8 * 8


class CompactMap:
    """A str -> str table in one memory-mapped file: a marisa trie of the keys, one of the
    distinct values, and each key id's value id (the layout of marisa's StringTrie, which
    cannot be memory-mapped). A lookup is two trie walks, no bytes decoded: about twice as
    fast as a BytesTrie, and the pages are shared by every process that maps the file."""

    def __init__(self, path: Path) -> None:
        import marisa_trie

        with open(path, "rb") as file:
            self._mmap = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        magic, keys_size, values_size, ids_size = _HEADER.unpack_from(self._mmap)
        if magic != _MAGIC or _HEADER.size + _aligned(keys_size) + _aligned(values_size) + ids_size > len(self._mmap):
            raise ValueError(f"{path} is not a compact lexicon table")
        view = memoryview(self._mmap)
        at = _HEADER.size
        self._keys = marisa_trie.Trie()
        self._keys.map(view[at : at + keys_size])
        at += _aligned(keys_size)
        self._values = marisa_trie.Trie()
        self._values.map(view[at : at + values_size])
        at += _aligned(values_size)
        self._value_ids = view[at : at + ids_size].cast("I")
        self._key_id = self._keys.get
        self._restore = self._values.restore_key

    def get(self, key: str, default: str | None = None) -> str | None:
        key_id = self._key_id(key)
        return default if key_id is None else self._restore(self._value_ids[key_id])

    @staticmethod
    def write(path: Path, items: Callable[[], Iterable[tuple[str, str]]]) -> None:
        """Write the table ``items()`` yields (unique keys; called twice, so that no copy of a
        large table is held) to ``path`` atomically."""
        import marisa_trie

        distinct_values: set[str] = set()

        def keys_noting_values() -> Iterator[str]:
            for key, value in items():
                distinct_values.add(value)
                yield key

        keys = marisa_trie.Trie(keys_noting_values())
        values = marisa_trie.Trie(distinct_values)
        value_ids = array.array("I", bytes(4 * len(keys)))
        for key, value in items():
            value_ids[keys[key]] = values[value]
        parts = [keys.tobytes(), values.tobytes(), value_ids.tobytes()]

        def write_parts(tmp: Path) -> None:
            with open(tmp, "wb") as out:
                out.write(_HEADER.pack(_MAGIC, *(len(part) for part in parts)))
                for part in parts:
                    out.write(part + bytes(_aligned(len(part)) - len(part)))

        replace_atomically(path, write_parts)  # another process may be reading the old table


def compact_lexicon_files() -> tuple[Path, ...]:
    """(forms table, lemma list, cut trie, the same three folded, folded-only forms table, the
    forms with upper-case letters) in the cache folder (``KB_CACHE_DIR``, else ~/.cache/kb),
    named after the simplemma version: package data, never anything from a corpus."""
    from importlib.metadata import version

    folder = Path(os.environ.get("KB_CACHE_DIR") or Path.home() / ".cache" / "kb")
    stem = f"lexicon-sv-simplemma{version('simplemma')}-v{COMPACT_FORMAT}"
    names = ("forms.map", "lemmas.txt", "cuts.marisa", "folded.forms.map", "folded.lemmas.txt", "folded.cuts.marisa")
    return tuple(folder / f"{stem}.{name}" for name in (*names, "folded.extra.map", "cased.txt"))


def write_compact_lexicon() -> bool:
    """Write the compact cache from simplemma's table (~15 s, ~250 MB while it runs: call it in
    a short-lived process). False when marisa-trie is missing or the folder is not writable."""
    try:
        import marisa_trie  # noqa: F401
    except ImportError:  # pragma: no cover - a pinned dependency
        return False
    forms_path, lemmas_path, cuts_path, folded_path, folded_lemmas_path, folded_cuts_path, extra_path, cased_path = (
        compact_lexicon_files()
    )
    try:
        forms_path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(forms_path.parent, os.W_OK):
            return False  # before the work, not after it
        raw = raw_forms()
        lemmas = _lemmas_of(raw)
        folded_lemmas = {fold(w) for w in lemmas}

        def plain() -> Iterator[tuple[str, str]]:
            return ((key.decode(), value.decode().lower()) for key, value in raw.items())

        # Values as the lexicon answers them: lower-case, and folded in the folded table (the
        # folded lexicon looks words up in the plain table and folds the lemma it finds).
        CompactMap.write(forms_path, plain)
        CompactMap.write(folded_path, lambda: ((key, fold(value)) for key, value in plain()))
        CompactMap.write(extra_path, _folded_forms_of(raw).items)
        for path, words in ((cuts_path, lemmas), (folded_cuts_path, folded_lemmas)):
            replace_atomically(path, lambda tmp, words=words: cut_trie(words).save(str(tmp)))
        cased = {key.decode() for key in raw if key.decode() != key.decode().lower()}  # the tables' keys
        for path, words in ((lemmas_path, lemmas), (folded_lemmas_path, folded_lemmas), (cased_path, cased)):
            write_atomically(path, "\n".join(sorted(words)))
    except OSError:
        return False
    return True


def load_compact_lexicon(folded: bool = False) -> Lexicon | None:
    forms_path, lemmas_path, cuts_path, folded_path, folded_lemmas_path, folded_cuts_path, extra_path, cased_path = (
        compact_lexicon_files()
    )
    try:
        import marisa_trie

        cuts = marisa_trie.Trie()
        cased = frozenset(cased_path.read_text(encoding="utf-8").split("\n"))
        if not folded:
            lemmas = set(lemmas_path.read_text(encoding="utf-8").split("\n"))
            cuts.mmap(str(cuts_path))
            return Lexicon(CompactMap(forms_path), lemmas, cuts=cuts, cased=cased)
        lemmas = set(folded_lemmas_path.read_text(encoding="utf-8").split("\n"))
        cuts.mmap(str(folded_cuts_path))
        return Lexicon(CompactMap(folded_path), lemmas, CompactMap(extra_path), folded=True, cuts=cuts, cased=cased)
    except (OSError, ImportError, ValueError, RuntimeError):
        return None


def folded_lemmas(words: Iterable[str]) -> set[str]:
    """Fold a word collection (for adding corpus vocabulary to a folded splitter)."""
    return {fold(w) for w in words}
