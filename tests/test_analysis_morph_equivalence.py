"""The fast expansion path answers exactly like the straightforward one on real vocabulary.

The shared splitter only tries the cuts its cut trie names; a splitter that tries every cut
position must split every distinct word of the shipped knowledge base the same way, and the
expansions built on both must match. The compact lexicon's skipped capitalized retries are
checked against simplemma's own table (``tests/test_build_stream.py`` compares the rest).
Nothing here builds the dict lexicon: the suite's process stays small (its peak RSS is
inherited by the subprocesses whose memory other tests bound).
"""

from pathlib import Path

import pytest

from kb.analysis import CompoundFilter, CompoundSplitter, LemmaFilter, MorphFilter, SwedishTokenizer, get_splitter
from kb.analysis import lexicon as lexicon_module
from kb.analysis.lexicon import Lexicon, TableForms, fold, get_lexicon

SOURCES = Path(__file__).resolve().parent.parent / "sources"


class ExhaustiveSplitter(CompoundSplitter):
    """The search without cut pruning: a modifier is tried at every cut position."""

    def _cut_positions(self, word: str, start: int, min_part: int) -> list[int]:
        return list(range(start + min_part, len(word) - min_part + 1))


@pytest.fixture(scope="module")
def words() -> list[str]:
    tokenize = SwedishTokenizer(lowercase=True)
    seen: dict[str, None] = {}
    for path in sorted(SOURCES.rglob("*.md")):
        for token in tokenize(path.read_text(encoding="utf-8")):
            seen.setdefault(token.text, None)
    return list(seen)


def _morph(folded: bool, splitter: CompoundSplitter | None = None, lexicon=None) -> MorphFilter:
    return MorphFilter(
        LemmaFilter(folded=folded, lexicon=lexicon, splitter=splitter),
        CompoundFilter(splitter, folded=folded, boost=0.5),
    )


@pytest.mark.parametrize("folded", [False, True])
def test_fast_expansions_equal_the_straightforward_ones(words, folded):
    if folded:
        words = list(dict.fromkeys(fold(w) for w in words))
    assert len(words) > 10_000
    lexicon = get_lexicon(folded)
    slow_splitter = ExhaustiveSplitter.from_lexicon(lexicon)
    slow = _morph(folded, slow_splitter, lexicon)
    fast = _morph(folded)
    fast_splitter = get_splitter(folded)
    assert lexicon.cuts is not None  # the cut trie comes from the compact cache
    assert [fast_splitter.split(w) for w in words] == [slow_splitter.split(w) for w in words]
    assert [fast.expansions(w) for w in words] == [slow.expansions(w) for w in words]
    assert sum(1 for w in words if fast_splitter.split(w)) > 1000  # the comparison covers real splits


def test_pruned_cuts_equal_every_cut_on_a_small_lexicon():
    lexicon = {"gata", "arbete", "barn", "vård", "skola", "kontor", "riva", "avfall", "bil", "park", "miljö"}
    words = ["gatubelysning", "arbetsmiljö", "barnavård", "skolgård", "kontorsbil", "rivavfall", "miljöbilpark",
             "bilparksvård", "skolbarnsvård", "gatuarbetsmiljö"]
    fast, slow = CompoundSplitter(lexicon), ExhaustiveSplitter(lexicon)
    assert [fast.split(w) for w in words] == [slow.split(w) for w in words]
    assert fast.parts("arbetsmiljö") == ["arbete", "miljö"]


def test_added_words_become_modifiers_too():
    s = CompoundSplitter({"möbel"})
    assert s.split("xyzqmöbel") == ()  # builds the cut trie of the first lexicon
    s.add_words(["xyzq"])
    assert s.parts("xyzqmöbel") == ["xyzq", "möbel"]


@pytest.mark.slow
@pytest.mark.parametrize("folded", [False, True])
def test_capitalized_retry_skipped_only_where_it_cannot_hit(folded):
    compact, raw = get_lexicon(folded), lexicon_module.raw_forms()
    # The same lexicon, but always retrying capitalized, over simplemma's table itself.
    table = Lexicon(TableForms(raw, folded), set(), compact.folded_forms, folded=folded)
    cased = [key.decode() for key in raw if key.decode() != key.decode().lower()]
    assert len(cased) > 1000 and compact._cased is not None
    words = {variant for key in cased[::7] for variant in (key, key.lower(), key.upper(), key.swapcase())}
    words |= {"sverige", "stockholms", "eu", "ab", "åäö", "x", "", "ǆemal", "ßtraße"}
    words = sorted(words)
    assert [compact.lemma(w) for w in words] == [table.lemma(w) for w in words]
    assert compact.lemma("sverige") is not None
