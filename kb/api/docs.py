"""Readable API documentation that works on a closed intranet.

Swagger UI and ReDoc load their JavaScript from a CDN, which an intranet without internet
access cannot reach. This page is rendered on the server from the OpenAPI document itself:
plain HTML and CSS, no scripts, nothing fetched from elsewhere.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2.5rem;border-bottom:1px solid #ccc}
code,pre{background:#f4f4f4;padding:0 .25rem;border-radius:3px}
pre{padding:.5rem;overflow:auto;font-size:14px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.m{font-weight:bold;color:#06c}
"""


def _type(schema: dict[str, Any], components: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type(s, components) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}), components)}"
    out = schema.get("type", "any")
    limits = [
        f"{label} {schema[key]}"
        for key, label in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "min length"),
            ("maxLength", "max length"),
            ("maxItems", "max items"),
        )
        if key in schema
    ]
    return out + (f" ({', '.join(limits)})" if limits else "")


def render_docs(spec: dict[str, Any]) -> str:
    components = spec.get("components", {}).get("schemas", {})
    info = spec.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(info.get('title', 'API'))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', 'API'))} <small>{escape(info.get('version', ''))}</small></h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        "<p>Machine-readable: <a href='/api/openapi.json'>/api/openapi.json</a> (OpenAPI 3).</p>",
    ]
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            parts.append(f"<h2><span class='m'>{escape(method.upper())}</span> <code>{escape(path)}</code></h2>")
            parts.append(f"<p><b>{escape(op.get('summary', ''))}</b></p>")
            if op.get("description"):
                parts.append(f"<p>{escape(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append(
                    "<table><tr><th>parameter</th><th>in</th><th>type</th><th>default</th><th>meaning</th></tr>"
                )
                for p in params:
                    schema = p.get("schema", {})
                    default = schema.get("default", "required" if p.get("required") else "")
                    parts.append(
                        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p.get('in', ''))}</td>"
                        f"<td>{escape(_type(schema, components))}</td><td>{escape(str(default))}</td>"
                        f"<td>{escape(p.get('description', ''))}</td></tr>"
                    )
                parts.append("</table>")
            parts.append("<table><tr><th>status</th><th>meaning</th><th>body</th></tr>")
            for status, resp in op.get("responses", {}).items():
                content = resp.get("content", {}).get("application/json", {}).get("schema", {})
                parts.append(
                    f"<tr><td>{escape(status)}</td><td>{escape(resp.get('description', ''))}</td>"
                    f"<td>{escape(_type(content, components)) if content else ''}</td></tr>"
                )
            parts.append("</table>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in components.items():
        parts.append(f"<h3 id='{escape(name)}'>{escape(name)}</h3>")
        if schema.get("description"):
            parts.append(f"<p>{escape(schema['description'])}</p>")
        props = schema.get("properties", {})
        if props:
            parts.append("<table><tr><th>field</th><th>type</th><th>meaning</th></tr>")
            for field_name, prop in props.items():
                parts.append(
                    f"<tr><td><code>{escape(field_name)}</code></td>"
                    f"<td>{escape(_type(prop, components))}</td>"
                    f"<td>{escape(prop.get('description', ''))}</td></tr>"
                )
            parts.append("</table>")
        else:
            parts.append(f"<pre>{escape(json.dumps(schema, ensure_ascii=False, indent=1))}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
