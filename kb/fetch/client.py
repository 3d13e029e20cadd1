"""HTTP for ``kb fetch``: robots.txt obeyed, one request at a time per host with a pause between,
a time limit and a size limit on every answer.

httpx streams the body, so a size limit stops the download at the limit. A compressed body
(gzip, deflate: the only encodings asked for) is unpacked here, never more than the limit in one
step, so a gzip bomb stops at the limit too. A total deadline stops a server that drips a byte
at a time under the per-read timeout. Redirects are followed here, hop by hop,
so every address asked for passes the same checks (scheme, robots.txt, pause).

robots.txt follows RFC 9309: a 4xx answer (no robots.txt) allows everything; a 5xx answer or no
answer forbids the host, since its rules cannot be known; ``Crawl-delay`` lengthens the pause.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from .lists import check_url

USER_AGENT = "kb-fetch/0.1 (kunskapsbank om offentlig upphandling)"
ROBOTS_MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY = 60.0  # seconds: a robots.txt asking for more is asking for a day's crawl


class FetchFailed(Exception):
    """One address could not be fetched; ``reason`` is one line for the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Answer:
    status: int  # 200, or 304 (not modified)
    url: str  # the address that answered (after redirects)
    headers: httpx.Headers
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class PoliteClient:
    """Sequential GETs with per-host pauses, robots.txt, and time and size limits.

    ``sleep`` and ``clock`` are parameters so tests can check the pauses without waiting.
    """

    def __init__(
        self,
        delay: float = 1.0,
        timeout: float = 20.0,
        max_bytes: int = 5 * 1024 * 1024,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay, self.timeout, self.max_bytes = delay, timeout, max_bytes
        self.sleep, self.clock = sleep, clock
        self._last: dict[str, float] = {}  # host -> when its last request ended
        self._robots: dict[str, RobotFileParser | str] = {}  # origin -> rules, or why none
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        """The answer to GET ``url`` (200 or 304), or ``FetchFailed`` with the reason."""
        for _ in range(MAX_REDIRECTS + 1):
            problem = check_url(url)
            if problem:
                raise FetchFailed(problem)
            self._check_robots(url)
            status, answer_headers, body = self._request(url, headers or {})
            if status in (301, 302, 303, 307, 308) and "location" in answer_headers:
                url = urljoin(url, answer_headers["location"])
                continue
            if status in (200, 304):
                return Answer(status, url, answer_headers, body)
            reason = httpx.codes.get_reason_phrase(status)
            raise FetchFailed(f"HTTP {status}{' ' + reason if reason else ''}")
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    def _request(self, url: str, headers: dict[str, str], limit: int | None = None) -> tuple[int, httpx.Headers, bytes]:
        host = urlsplit(url).netloc.lower()
        self._wait(host)
        limit = limit or self.max_bytes
        deadline = self.clock() + self.timeout * 3  # connect + a slow but steady body
        try:
            with self._http.stream("GET", url, headers=headers) as response:
                declared = response.headers.get("content-length", "")
                if response.status_code == 200 and declared.isdigit() and int(declared) > limit:
                    raise FetchFailed(_too_large(int(declared), limit))
                body = b""
                if response.status_code == 200:
                    body = self._read_body(response, limit, deadline)
                return response.status_code, response.headers, body
        except httpx.TimeoutException:
            raise FetchFailed(f"timed out (no answer within {self.timeout:g} s)") from None
        except httpx.ConnectError as exc:
            raise FetchFailed(f"could not connect: {_short(exc)}") from None
        except httpx.HTTPError as exc:
            raise FetchFailed(f"{type(exc).__name__}: {_short(exc)}") from None
        finally:
            self._last[host] = self.clock()

    def _read_body(self, response: httpx.Response, limit: int, deadline: float) -> bytes:
        """The body, unpacked here (not by httpx) so that no step unpacks more than the limit."""
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            inflate = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            inflate = zlib.decompressobj(zlib.MAX_WBITS | (16 if "gzip" in encoding else 0))
        else:
            raise FetchFailed(f"unsupported content encoding {encoding[:40]!r}")
        chunks: list[bytes] = []
        size = 0
        try:
            for raw in response.iter_raw():
                chunk = raw if inflate is None else inflate.decompress(raw, limit + 1 - size)
                size += len(chunk)
                if size > limit:
                    raise FetchFailed(_too_large(size, limit, more=True))
                if self.clock() > deadline:
                    raise FetchFailed(f"timed out: the answer took over {self.timeout * 3:g} s")
                chunks.append(chunk)
        except zlib.error:
            raise FetchFailed(f"broken {encoding} body") from None
        return b"".join(chunks)

    def _wait(self, host: str) -> None:
        """Pause so requests to one host start at least the delay (or its Crawl-delay) apart."""
        last = self._last.get(host)
        if last is None:
            return
        pause = self._delay_for(host) - (self.clock() - last)
        if pause > 0:
            self.sleep(pause)

    def _delay_for(self, host: str) -> float:
        delay = self.delay
        for origin, rules in self._robots.items():
            if urlsplit(origin).netloc == host and isinstance(rules, RobotFileParser):
                asked = rules.crawl_delay(USER_AGENT)
                if asked:
                    delay = max(delay, min(float(asked), MAX_CRAWL_DELAY))
        return delay

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = self._robots.get(origin)
        if rules is None:
            rules = self._robots[origin] = self._read_robots(origin)
        if isinstance(rules, str):
            raise FetchFailed(rules)
        if not rules.can_fetch(USER_AGENT, url):
            raise FetchFailed(f"robots.txt of {parts.netloc} does not allow it")

    def _read_robots(self, origin: str) -> RobotFileParser | str:
        rules = RobotFileParser(origin + "/robots.txt")
        address = origin + "/robots.txt"
        try:
            for _ in range(MAX_REDIRECTS + 1):  # http -> https and the like
                status, headers, body = self._request(address, {}, limit=ROBOTS_MAX_BYTES)
                if status not in (301, 302, 303, 307, 308) or "location" not in headers:
                    break
                address = urljoin(address, headers["location"])
                if check_url(address):
                    break
        except FetchFailed as e:
            return f"robots.txt could not be read ({e.reason}), so nothing is fetched from this host"
        if status >= 500:
            return f"robots.txt answered HTTP {status}, so nothing is fetched from this host"
        if status == 200:
            rules.parse(body.decode("utf-8", errors="replace").splitlines())
        else:  # 3xx (not followed for robots.txt) and 4xx: no rules, everything allowed
            rules.parse([])
        return rules


def _too_large(size: int, limit: int, more: bool = False) -> str:
    return f"too large ({'over ' if more else ''}{size / 1024 / 1024:.3g} MB, limit {limit / 1024 / 1024:.3g} MB)"


def _short(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
