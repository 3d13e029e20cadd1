"""Response shapes, for the OpenAPI document (responses are serialised directly, not re-validated)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    error: str = Field(description="What went wrong, for a person to read.")
    parameter: str | None = Field(description="The query or path parameter at fault, if any.")


class HitModel(BaseModel):
    """One section hit: exactly the objects `kb search --json` prints."""

    title: str
    section: str = Field(description="Heading path of the section inside the document.")
    source: str = Field(description="Source file, relative to sources/.")
    url: str = Field(description="Link to the section on the site (dok/<doc_id>/#<anchor>).")
    anchor: str
    snippet: str = Field(description="HTML: text is escaped; only <mark>…</mark> is markup.")
    score: float
    publisher: str
    type: str
    date: str
    tags: list[str]
    doc_id: str
    original: str = Field(
        description="Link to the original file published in the site (PDF, Word, OpenDocument), "
        'for a PDF at the page the snippet is on (…/original.pdf#page=12); "" for web texts.'
    )
    page: int | None = Field(description="Page of the original PDF the snippet is on, or null.")


class FacetsModel(BaseModel):
    """Counts among all matching sections (before paging). Keys are values for the filters:
    `tags` → `tag=`, `publisher` → `publisher=`, `type` → `type=`."""

    tags: dict[str, int]
    publisher: dict[str, int]
    type: dict[str, int]


class NoticeDetail(BaseModel):
    code: str = Field(description='"not_in_knowledge_base" (cited SFS numbers) or "no_such_chapter".')
    cited: list[str] = Field(description='What was cited and is not here: "SFS 2099:12", or "99 kap.".')


class SearchResponse(BaseModel):
    query: str
    total: int = Field(description="Number of matching sections.")
    took_ms: float
    suggestion: str | None = Field(description='"Did you mean" query, or null.')
    notice: str | None = Field(
        default=None, description="Present when a cited law or chapter is not in the knowledge base (English)."
    )
    notice_detail: NoticeDetail | None = Field(
        default=None, description="The notice in machine-readable form (present with `notice`)."
    )
    hits: list[HitModel]
    facets: FacetsModel
    offset: int
    limit: int
    next_offset: int | None = Field(description="`offset` of the next page, or null on the last page.")
    fuzzy: bool = Field(description="True when spelling-tolerant matching was used.")
    timed_out: bool = Field(description="True when the time bound cut the search short (partial hits).")
    index_version: str


class SuggestResponse(BaseModel):
    query: str
    suggestions: list[str]


class SectionModel(BaseModel):
    anchor: str
    heading: str
    path: list[str] = Field(description="Heading path inside the document, outermost first.")
    level: int
    url: str
    tags: list[str]
    text: str | None = Field(default=None, description="Plain text of the section (only with text=true).")


class DocumentResponse(BaseModel):
    id: str
    title: str
    source: str
    url: str
    parent: str | None
    meta: dict[str, Any] = Field(description="publisher, type, date, reviewed, url, license … as ingested.")
    tags: list[str]
    sections: list[SectionModel]
    index_version: str


class HealthResponse(BaseModel):
    status: str
    index_version: str
    built_at: str
    documents: int
    sections: int
    site: bool = Field(description="Whether site/ exists and is served at /.")
