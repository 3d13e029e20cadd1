"""Shared plumbing for the Swedish filters: cheap pickling and config-based equality.

Whoosh pickles field analyzers into the index's schema and compares schemas with
``==``; per-word caches and shared lexicons must not travel with either. Attributes
whose names start with ``_`` are treated as runtime state: dropped when pickling and
ignored by ``==``.
"""

from __future__ import annotations

from typing import Any

from whoosh.analysis import Filter


class StatefulFilter(Filter):
    """A Filter whose ``_private`` attributes are caches, rebuilt lazily after unpickling."""

    def _config(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __getstate__(self) -> dict[str, Any]:
        return self._config()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def _reset(self) -> None:
        """(Re)create runtime state; subclasses call it from ``__init__`` too."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._config() == other._config()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items() if not k.startswith("custom_"))
        return f"{type(self).__name__}({args})"
