"""Pages that list several projects, each introduced by a marker image (the IVL seed).

Such a page is one parent Document (its intro) plus one Document per project, so that a search
hit lands on the project, not on a 20-screen page. The marker's alt text carries the project's
category ("En illustration på en cirkel med två pilar" = cirkulär, "… av en fot" = klimatanpassad).

Which headings start a project:

1. a heading directly after a marker line always starts a project, tagged from the marker;
2. an unmarked heading starts a new, untagged project when the current project has no
   sub-headings yet and its text so far ends with a bullet list. On this kind of page a
   sub-heading continues running text (it follows a paragraph, or follows earlier sub-sections
   of the same project), whereas a project that has ended with its closing list and has not been
   split into sub-sections is finished; a heading after it is a sibling whose marker image is
   missing (e.g. "Miljökrav för offentlig upphandling av elbussar");
3. every other unmarked heading is a sub-heading of the current project (section path
   [project, sub-heading]), e.g. "Erfarenheter från praktiken".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Document, doc_id, slugify, unique_anchor
from .build import Item, Sections

# Marker alt text -> tag.
MARKER_TAGS = (
    (re.compile(r"\bcirkel\b|\bpilar\b", re.I), "cirkulär"),
    (re.compile(r"\bfot\b", re.I), "klimatanpassad"),
)


def is_project_page(items: list[Item]) -> bool:
    """A page is a project list when at least two marker images each precede a heading."""
    pairs = zip(items, items[1:], strict=False)
    hits = sum(1 for a, b in pairs if a.kind == "marker" and b.kind == "heading")
    return hits >= 2


def marker_tags(text: str) -> list[str]:
    return [tag for pattern, tag in MARKER_TAGS if pattern.search(text)]


@dataclass
class _Project:
    heading: str
    tags: list[str]
    items: list[Item] = field(default_factory=list)
    has_subheadings: bool = False


def split_projects(rel: str, title: str, items: list[Item], meta: dict) -> list[Document]:
    """Parent document (intro) + one child per project; children inherit the parent's meta."""
    intro: list[Item] = []
    projects: list[_Project] = []
    pending: list[str] | None = None  # tags of a marker waiting for its heading
    for item in items:
        if item.kind == "marker":
            pending = marker_tags(item.text)
            continue
        current = projects[-1] if projects else None
        if item.kind == "heading":
            if pending is not None:
                projects.append(_Project(item.text, pending))
                pending = None
                continue
            if current and not current.has_subheadings and current.items and current.items[-1].kind == "li":
                projects.append(_Project(item.text, []))
                continue
            if current:
                current.has_subheadings = True
        (current.items if current else intro).append(item)

    parent_id = doc_id(rel)
    parent_sections = Sections()
    parent_sections.start([title])
    for item in intro:
        if item.kind == "heading":
            parent_sections.start([title, item.text])
        else:
            parent_sections.add(item.kind, item.text)  # type: ignore[arg-type]
    docs = [
        Document(id=parent_id, title=title, source=rel, sections=parent_sections.result(), meta=dict(meta))
    ]
    taken_ids: set[str] = set()
    for project in projects:
        sections = Sections()
        sections.start([project.heading], tags=project.tags)
        for item in project.items:
            if item.kind == "heading":
                sections.start([project.heading, item.text], tags=project.tags)
            else:
                sections.add(item.kind, item.text)  # type: ignore[arg-type]
        child_id = f"{parent_id}/{unique_anchor(slugify(project.heading), taken_ids)}"
        docs.append(
            Document(
                id=child_id,
                title=project.heading,
                source=rel,
                sections=sections.result(),
                meta=dict(meta),
                tags=list(project.tags),
                parent=parent_id,
            )
        )
    return docs
