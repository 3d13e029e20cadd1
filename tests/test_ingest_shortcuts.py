"""Ingestion's shortcuts (decoding on bytes, skipped block patterns, already-slug segments) keep
the results of the long way; the expected values below are what the long way returns."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.ingest import SkipSource
from kb.ingest.build import clean
from kb.ingest.decode import decode
from kb.ingest.markdown import split_front_matter
from kb.ingest.markdown_blocks import ATX_HEADING_RE, MdBlock, atx_heading, inline_text, parse_blocks
from kb.model import FOLD_TABLE, doc_id, fold_ascii, slugify


@pytest.mark.parametrize("suffix", [".md", ".html"])  # UTF-8 Markdown takes the byte shortcut, HTML does not
def test_c1_controls_zero_width_space_and_inner_bom_are_removed(suffix: str) -> None:
    assert decode(b"a\xc2\x85b\xc2\x9fc\xe2\x80\x8bd\xef\xbb\xbfe\xc2\xa7", suffix) == "abcde§"


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_control_characters_over_five_percent_are_binary(suffix: str) -> None:
    assert decode(b"x" * 100 + b"\x01" * 5, suffix) == "x" * 100
    with pytest.raises(SkipSource, match="control characters"):
        decode(b"x" * 100 + b"\x01" * 6, suffix)


def test_inline_links_keep_their_text() -> None:
    text = "Se [LOU](https://x.se) och [ref][1] samt [](tom) och ![bild](b.png) [a b](c d)"
    assert inline_text(text) == "Se LOU och ref samt och a b"
    assert inline_text("**fet** _kursiv_ ~~bort~~ `kod` a*b*c snake_case_name") == (
        "fet kursiv bort kod a*b*c snake_case_name"
    )


def test_block_syntax_after_any_first_character() -> None:
    body = (
        "# Titel\n\n١. arabisk siffra\n２) fullbredd\n   >  citat med mellanslag\n> > - citerad punkt\n\n"
        "Text   med  luft\noch\u00a0mer\n\n| a | **b** |\n|---|---|\n\n- punkt\n  fortsatt\n\n"
        "```\n  kod  rad\n\n```\n####### sju\n#ingen rubrik\n## Rubrik ##\n"
    )
    assert parse_blocks(body) == [
        MdBlock("heading", "Titel", level=1, raw="Titel"),
        MdBlock("li", "arabisk siffra", raw="arabisk siffra"),
        MdBlock("li", "fullbredd citat med mellanslag", raw="fullbredd"),
        MdBlock("li", "citerad punkt", raw="citerad punkt"),
        MdBlock("p", "Text med luft och mer", raw="Text   med  luft och\xa0mer"),
        MdBlock("p", "a – b"),
        MdBlock("li", "punkt fortsatt", raw="punkt"),
        MdBlock("p", "kod rad"),
        MdBlock("p", "####### sju #ingen rubrik", raw="####### sju #ingen rubrik"),
        MdBlock("heading", "Rubrik", level=2, raw="Rubrik"),
    ]


def test_quoted_paragraph_lines_are_trimmed() -> None:
    assert parse_blocks(">  citat\n>   fortsätter") == [MdBlock("p", "citat fortsätter", raw="citat fortsätter")]


def test_slugs() -> None:
    assert slugify("redan-en-slug") == "redan-en-slug"
    assert slugify("a--b") == "a-b"
    assert slugify("x" * 90) == "x" * 80
    assert slugify("Cirkulära Göteborg") == "cirkulara-goteborg"
    assert doc_id("related/sfs/1821/sfs-1821-1205.md") == "related/sfs/1821/sfs-1821-1205"
    assert doc_id("a/Åre Kommun.MD") == "a/are-kommun"


_HEADING_PARTS = st.sampled_from(["#", "##", "######", " ", "   ", "\t", "a", "b c", "#a", "\\#", "§", "\xa0", "*"])


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(st.lists(_HEADING_PARTS, max_size=8).map("".join))
def test_atx_heading_is_what_the_heading_pattern_matches(line: str) -> None:
    match = ATX_HEADING_RE.match(line)
    assert atx_heading(line) == ((len(match.group(1)), match.group(2) or "") if match else None)


def test_clean_keeps_clean_text_and_cleans_the_rest() -> None:
    assert clean("redan ren text §") == "redan ren text §"
    assert clean(" yttre  och\u00a0inre\tblanktecken\u2028 ") == "yttre och inre blanktecken"
    assert clean("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\n---\nText", ({}, "Text", None)),
        ("--- \na: 1\n \u00a0...\t\nText\n", ({"a": 1}, "Text\n", None)),
        ("---\na: 1\n----\nText", (None, "---\na: 1\n----\nText", None)),
        ("---", (None, "---", None)),
        ("---\na: 1\n---", ({"a": 1}, "", None)),
        ("---\na: [\n---\nText", (None, "Text", "front matter unreadable: while parsing a flow node")),
    ],
)
def test_front_matter_fences(text: str, expected: tuple) -> None:
    assert split_front_matter(text) == expected


def _fold_whole_text(text: str) -> str:
    """The reference fold: the Swedish table, then NFKD of the whole text without combining marks."""
    text = text.translate(FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12))
def test_folding_by_character_is_folding_the_whole_text(text: str) -> None:
    assert fold_ascii(text) == _fold_whole_text(text)


def test_fold_examples() -> None:
    mixed = "Återbruk Möbler – ﬁnal e\u0301\u0327 \uD55C"  # fi ligature, combining marks, Hangul
    assert fold_ascii(mixed) == _fold_whole_text(mixed) == "Aterbruk Mobler – final e \u1112\u1161\u11ab"
    assert fold_ascii("Återbruk Möbler") == "Aterbruk Mobler"
