"""load_synonyms: the shipped file parses; malformed lines name their line number."""

import pytest

from kb.analysis import load_synonyms
from kb.analysis.synonyms import SynonymError


def test_shipped_file_has_domain_groups():
    groups = load_synonyms()
    assert ["lou", "lag om offentlig upphandling", "2016:1145"] in groups
    assert ["återbruk", "återanvändning"] in groups
    assert all(p == p.lower() and p.strip() == p for g in groups for p in g)


def test_comments_blank_lines_and_spacing(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("# c\n\n  LCA  =  Livscykel   analys  # trailing\n", encoding="utf-8")
    assert load_synonyms(f) == [["lca", "livscykel analys"]]


@pytest.mark.parametrize(
    "line, message",
    [
        ("LOU\n", r"s\.txt:2: expected"),
        ("a = \n", r"s\.txt:2: empty"),
        ("a = a\n", r"s\.txt:2: a phrase is repeated"),
        ("x = y\ny = z\n", r"s\.txt:3: 'y' already in the group on line 2"),
    ],
)
def test_malformed_line_names_line_number(tmp_path, line, message):
    f = tmp_path / "s.txt"
    f.write_text("# header\n" + line, encoding="utf-8")
    with pytest.raises(SynonymError, match=message):
        load_synonyms(f)
