"""kb's own settings for a knowledge base folder, in ``kb.yml`` beside ``mkdocs.yml``.

Why a file of its own: MkDocs checks ``mkdocs.yml`` and its strict mode refuses keys it does
not know; and API or report settings changed on a server must not make the next ``kb build``
rebuild every page (the site's change detection covers all of ``mkdocs.yml``). Every key is
optional; an unknown key or a wrong type is an error that names the key, never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path


class ConfigError(Exception):
    """A configuration file cannot be read; the message names the file and the problem."""


def load_yaml(path: Path) -> dict:
    """A YAML mapping from ``path``; MkDocs' ``!!python/name`` and ``!ENV`` tags read as empty."""
    import yaml  # here, not at the top: `kb build` with nothing to do never reads YAML

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_lenient_loader())
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read ({e.strerror or e})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: should hold settings as `name: value` lines")
    return data


@cache
def _lenient_loader() -> type:
    """Safe YAML that tolerates MkDocs' ``!!python/name`` and ``!ENV`` tags by ignoring them."""
    import yaml

    class LenientLoader(yaml.SafeLoader):
        pass

    LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)
    return LenientLoader


DEFAULT_REVIEW_AGE_DAYS = 365


@dataclass(frozen=True)
class ApiOptions:
    cors_origins: tuple[str, ...] = ()
    time_limit: float = 0.5
    request_timeout: float = 2.0
    search_threads: int = 2
    cache_size: int = 1024
    cache_max_age: int = 0


@dataclass(frozen=True)
class KbSettings:
    review_age_days: int = DEFAULT_REVIEW_AGE_DAYS  # `kb report`: older reviews need attention
    query_log: bool = True  # the API counts searches (text and count only) for `kb report`
    default_publisher: str | None = None  # the publisher of every source that names none
    engine: str = ""  # "" or "whoosh": the index folder; postgresql://…: a shared database (docs/postgresql.md)
    api: ApiOptions = field(default_factory=ApiOptions)


_TYPES = {"review_age_days": int, "query_log": bool, "default_publisher": str, "engine": str}


def load_settings(path: Path) -> KbSettings:
    if not path.is_file():
        return KbSettings()
    data = load_yaml(path)
    unknown = set(data) - {*_TYPES, "api"}
    if unknown:
        raise ConfigError(f"{path}: unknown setting {sorted(unknown)[0]!r}; known: {', '.join([*_TYPES, 'api'])}")
    values = {}
    for key, kind in _TYPES.items():
        if data.get(key) is not None:
            values[key] = _typed(path, key, data[key], kind)
    api = data.get("api") or {}
    if not isinstance(api, dict):
        raise ConfigError(f"{path}: api should hold settings such as `cors_origins: [...]`")
    values["api"] = _api_options(path, api)
    return KbSettings(**values)


def _api_options(path: Path, data: dict) -> ApiOptions:
    known = {f.name: f for f in fields(ApiOptions)}
    out = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown setting api.{key}; known: {', '.join(known)}")
        if value is None:
            continue
        if key == "cors_origins":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(o, str) for o in items):
                raise ConfigError(f"{path}: api.cors_origins should be a list of origins, e.g. https://intranat.example.se")
            out[key] = tuple(o.strip().rstrip("/") for o in items if o.strip())
        else:
            out[key] = _typed(path, f"api.{key}", value, type(getattr(ApiOptions, key)))
    return ApiOptions(**out)


def _typed(path: Path, key: str, value, kind: type):
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{path}: {key} should be {_KIND_NAMES[kind]}, not {value!r}")
    if kind in (int, float) and value < 0:
        raise ConfigError(f"{path}: {key} should not be negative")
    return value


_KIND_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
