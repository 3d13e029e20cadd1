"""``HEAD`` wherever ``GET`` works under ``/api``: answered as the GET, with headers only.

A middleware rather than a second method on every route: the OpenAPI document keeps one
operation per endpoint, and no route can forget it. (The static site answers HEAD itself.)
"""

from __future__ import annotations

HEAD_FLAG = "kb.head"  # in the scope of a HEAD answered as GET: not a search someone read (query log)


class HeadAsGet:
    def __init__(self, app, prefix: str = "/api"):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD" or not scope["path"].startswith(self.prefix):
            return await self.app(scope, receive, send)

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return  # the rest of the body is dropped; the final message ends the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET", **{HEAD_FLAG: True}), receive, send_headers_only)
