"""Shared plumbing for the Swedish filters: cheap pickling and config-based equality.

Whoosh pickles field analyzers into the index's schema and compares schemas with
``==``; per-word caches and shared lexicons must not travel with either. Attributes
whose names start with ``_`` are treated as runtime state: dropped when pickling and
ignored by ``==``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh.analysis import Filter


class SharedDefault:
    """A filter's lexicon or splitter: the custom object it was given (attribute ``custom``),
    else the process-wide one, ``getter(folded)``. Resolved once and kept
    as the ``_``-attribute of the same name, which pickling drops (see ``StatefulFilter``)."""

    def __init__(self, custom: str, getter: Callable[[bool], Any]) -> None:
        self.custom = custom
        self.getter = getter

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__.get(self.slot)
        if value is None:
            value = getattr(obj, self.custom)
            if value is None:
                value = self.getter(obj.folded)
            obj.__dict__[self.slot] = value
        return value


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
