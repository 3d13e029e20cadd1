"""The fast front matter reader: the YAML loader's exact result, or None (and the loader decides)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.ingest.markdown import split_front_matter
from kb.ingest.meta import load_yaml_mapping, yaml_loaders
from kb.ingest.simple_yaml import SimpleYaml

_FAST, _SLOW = yaml_loaders()
_READER = SimpleYaml(_SLOW.yaml_implicit_resolvers)

STATUTE = """beteckning: 1968:598
rubrik: Lag angående handläggning av frågor om regionplan
departement: null
utfardad_datum: 1968-12-06
forarbeten: "Prop. 1968:139; 3LU 1968:69; Rskr 1968:358"
pdf_url: https://svenskforfattningssamling.se/sites/default/files/sfs/1968-12/SFS1968-598.pdf
andringsforfattningar:
  - beteckning: "1987:147"
    anteckningar: upph.
  - beteckning: "1977:213"
    rubrik: "Lag (1977:213) om ändring i lagen (1968:598)"
    anteckningar: ändr. 1-5 §§; omtryck
"""


def loader_result(text: str):
    """What ``load_yaml_mapping`` returned before the fast reader: the loader's mapping or its error."""
    try:
        data = yaml.load(text, Loader=_SLOW)
    except Exception as exc:  # noqa: BLE001 - any failure is a result to compare with
        return ("error", type(exc).__name__)
    if data is None:
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else ("error", "not a mapping")


def typed(value):
    """A value with every scalar's type next to it: 1 == True and '1' vs 1 must not look equal."""
    if isinstance(value, dict):
        return [(typed(k), typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def test_statute_front_matter_is_read_fast_with_the_loaders_types():
    fast = _READER.mapping(STATUTE)
    assert fast is not None
    assert typed(fast) == typed(loader_result(STATUTE))
    assert fast["beteckning"] == "1968:598" and fast["departement"] is None
    assert fast["utfardad_datum"] == dt.date(1968, 12, 6)
    assert fast["andringsforfattningar"][1]["anteckningar"] == "ändr. 1-5 §§; omtryck"


@pytest.mark.parametrize(
    "text",
    [
        "a: 'single'",
        'a: "esc\\"aped"',
        "a: b # comment",
        "a: [1, 2]",
        "a: &x b\nc: *x",
        "a: !!str 1",
        "a: |\n  block",
        "a: yes",
        "a: -1",
        "a: 2021-02-30",
        "a: 2021-01-01 10:00:00",
        "a: b: c",
        "a: b:",
        "rubrik: Lag om\nfortsatt rad",
        "a: b\n  fortsatt",
        "a:\n- b: 1",
        "a:\n  - b\n",
        "a:\n  - b: 1\n      c: 2",
        "a:\tb",
        "a: b\r\nc: d",
        "a: b\u2028c",
        "a: \ufeffb",
        "<<: {a: 1}",
        "true: x",
        "- a",
        "text only",
        "a b: c",
    ],
)
def test_anything_outside_the_simple_shape_goes_to_the_loader(text: str):
    assert _READER.mapping(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "a:",
        "a:\nb: 2",
        "a: 0\nb: 12\nc: 012\nd: 1_000\ne: 2009:56\nf: 1.10",
        "a: ~\nb: Null\nc: \"\"\nd: \"  spaced  \"",
        "a: x\na: y\nb: z",
        "a:\n  - b: 1\na: 2",
        "a:\n\n  - b: 1\n\n    c: d\nz: 2021-01-01  ",
        "a: Hans Maj:t, [se] {x} 50 % @ `t`",
    ],
)
def test_simple_shapes_equal_the_loader(text: str):
    fast = _READER.mapping(text)
    assert fast is not None
    assert typed(fast) == typed(loader_result(text))


_LINE_PARTS = st.sampled_from(
    [
        "a", "b", "rubrik", "null", "yes", "on", "1", "0", "-1", "012", "1.5", "2009:56", "2021-01-01",
        "2021-1-1", "2021-13-01", ":", ": ", " ", "  ", "  - ", "    ", "-", '"', "'", "#", " #", "\\",
        "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "%", "@", "~", "å", "\xa0", "\t", "\u2028", "§",
        "\x85", "\ufeff", "\r", "\x7f", "\x9f",
    ]
)  # fmt: skip
_LINES = st.lists(st.lists(_LINE_PARTS, max_size=6).map("".join), max_size=6).map("\n".join)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(_LINES)
def test_generated_front_matter_is_the_loaders_or_none(text: str):
    fast = _READER.mapping(text)
    if fast is not None:
        assert typed(fast) == typed(loader_result(text))


def test_load_yaml_mapping_errors_are_unchanged():
    with pytest.raises(ValueError, match="expected a mapping"):
        load_yaml_mapping("- a\n- b")
    front, body, warning = split_front_matter("---\nrubrik: Lag om\nfortsatt: x\nrad\n---\nText\n")
    assert front is None and body == "Text\n" and warning.startswith("front matter unreadable")
