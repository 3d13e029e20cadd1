"""kb.util.atomic_files: a file is replaced whole or not at all, and a failed write leaves no litter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.util.atomic_files import replace_atomically, temporary_name, write_atomically


def test_str_is_written_encoded_and_bytes_as_given(tmp_path: Path) -> None:
    text_file = tmp_path / "a.json"
    write_atomically(text_file, "räksmörgås\n")
    assert text_file.read_bytes() == "räksmörgås\n".encode()

    write_atomically(text_file, "räksmörgås", encoding="latin-1")
    assert text_file.read_bytes() == "räksmörgås".encode("latin-1")

    binary_file = tmp_path / "b.bin"
    write_atomically(binary_file, b"\x00\xff\r\n")
    assert binary_file.read_bytes() == b"\x00\xff\r\n"  # no newline translation either way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.bin"]


def test_an_existing_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("old", encoding="utf-8")
    write_atomically(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_write_that_raises_keeps_the_old_file_and_removes_the_part(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("old", encoding="utf-8")
    seen: list[Path] = []

    def half_write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_text("ne", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        replace_atomically(path, half_write)
    assert seen and not seen[0].exists()
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["cache.json"]


def test_an_interrupted_write_removes_the_part_too(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"

    def interrupted(tmp: Path) -> None:
        tmp.write_bytes(b"part")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replace_atomically(path, interrupted)
    assert os.listdir(tmp_path) == []


def test_a_failed_rename_removes_the_part(tmp_path: Path) -> None:
    path = tmp_path / "taken"
    path.mkdir()  # a file cannot be renamed over a folder
    with pytest.raises(OSError):
        write_atomically(path, b"data")
    assert os.listdir(tmp_path) == ["taken"]


def test_the_temporary_file_is_beside_the_target_and_named_after_it(tmp_path: Path) -> None:
    seen: list[Path] = []
    path = tmp_path / "page.md"
    replace_atomically(path, lambda tmp: (seen.append(tmp), tmp.write_bytes(b"x")))
    assert seen == [tmp_path / f"page.md.tmp{os.getpid()}"]
    assert path.read_bytes() == b"x"


def test_hidden_uses_a_dot_prefixed_temporary_name(tmp_path: Path) -> None:
    seen: list[Path] = []
    path = tmp_path / "page.md"
    replace_atomically(path, lambda tmp: (seen.append(tmp), tmp.write_bytes(b"x")), hidden=True)
    assert seen == [tmp_path / f".page.md.tmp{os.getpid()}"]
    assert temporary_name(path, hidden=True) == seen[0]
    assert path.read_bytes() == b"x"


def test_parents_are_made_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.txt"
    with pytest.raises(FileNotFoundError):
        write_atomically(path, "x")
    assert not (tmp_path / "a").exists()
    write_atomically(path, "x", parents=True)
    assert path.read_text(encoding="utf-8") == "x"
