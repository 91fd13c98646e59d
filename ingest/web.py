"""Ingesting the clinic's website: a sitemap or a blog page, politely.

Same-site pages only; robots.txt is respected; one request at a time with a delay
between them; timeouts, a redirect limit and a size cap on every response. Pages
keep their canonical URL for citations. A re-sync asks the server whether a page
changed (ETag / Last-Modified) and compares content hashes otherwise; pages that
are no longer listed are deleted.
"""

from __future__ import annotations

import re
import time
import urllib.robotparser
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlparse

import httpx

USER_AGENT = "clinic-assistant/0.1 (+ingest of the clinic's own articles)"


class FetchError(Exception):
    """A page could not be fetched; the message says why."""


@dataclass
class Fetched:
    url: str
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Crawler:
    """Fetches pages of one site with the limits above."""

    timeout_s: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    delay_s: float = 0.5
    max_redirects: int = 5
    max_pages: int = 2000  # pages one sitemap (with its sub-sitemaps) may list (CLINIC_WEB_MAX_PAGES)
    client: httpx.Client = field(default=None)
    _last: float = 0.0
    _robots: dict[str, urllib.robotparser.RobotFileParser] = field(default_factory=dict)

    def __post_init__(self):
        if self.client is None:
            self.client = httpx.Client(
                timeout=self.timeout_s,
                follow_redirects=True,
                max_redirects=self.max_redirects,
                headers={"User-Agent": USER_AGENT},
            )

    def _wait(self) -> None:
        pause = self._last + self.delay_s - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last = time.monotonic()

    def allowed(self, url: str) -> bool:
        """robots.txt of the URL's site allows us to fetch it."""
        parts = urlparse(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            parser = urllib.robotparser.RobotFileParser()
            try:
                self._wait()
                response = self.client.get(f"{root}/robots.txt")
                parser.parse(response.text.splitlines() if response.status_code == 200 else [])
            except httpx.HTTPError:
                parser.parse([])
            self._robots[root] = parser
        return self._robots[root].can_fetch(USER_AGENT, url)

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET with the limits; 304 when the validators say nothing changed."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._wait()
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(str(response.url), 304, etag=etag, last_modified=last_modified)
                if response.status_code != 200:
                    raise FetchError(f"HTTP {response.status_code}")
                size = int(response.headers.get("content-length") or 0)
                if size > self.max_bytes:
                    raise FetchError(f"page is {size / 1_048_576:.1f} MB, over the size limit (CLINIC_MAX_FILE_MB)")
                body = bytearray()
                for part in response.iter_bytes():
                    body += part
                    if len(body) > self.max_bytes:
                        raise FetchError("page is over the size limit (CLINIC_MAX_FILE_MB)")
                return Fetched(
                    str(response.url), 200, bytes(body), response.headers.get("etag"), response.headers.get("last-modified")
                )
        except httpx.TooManyRedirects:
            raise FetchError(f"more than {self.max_redirects} redirects (a redirect loop?)") from None
        except httpx.TimeoutException:
            raise FetchError(f"no answer within {self.timeout_s:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch: {exc}") from None


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def same_site(url: str, start: str) -> bool:
    a, b = urlparse(url), urlparse(start)
    return a.scheme in ("http", "https") and a.netloc == b.netloc


#: Sitemap indexes may point to sitemaps, which may not point further than this.
MAX_SITEMAP_DEPTH = 3
_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def is_sitemap(body: bytes) -> bool:
    head = body.lstrip()[:500]
    return head.startswith(b"<?xml") or b"<urlset" in head or b"<sitemapindex" in head


def sitemap_locs(body: bytes) -> tuple[bool, list[str]]:
    """(is an index, the <loc> URLs) of a sitemap, parsed safely: no entities, no DTDs, no external files."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(body)
    except DefusedXmlException as exc:
        raise FetchError(f"sitemap refused: it uses XML features a sitemap never needs ({type(exc).__name__})") from None
    except ParseError as exc:
        raise FetchError(f"sitemap is not valid XML ({exc})") from None
    locs = [loc.text.strip() for loc in root.findall(".//s:loc", _NS) if loc.text and loc.text.strip()]
    return root.tag.endswith("sitemapindex"), locs


def page_urls(crawler: Crawler, start: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The pages to ingest: a sitemap's <loc> entries, or the same-site links of a page under its path.

    Sitemap indexes are followed at most ``MAX_SITEMAP_DEPTH`` deep, each sitemap once,
    and at most ``crawler.max_pages`` pages are listed; what is left out is named.
    """
    skipped: list[tuple[str, str]] = []
    fetched = crawler.fetch(start)
    urls: list[str] = []
    if is_sitemap(fetched.body):
        urls = _from_sitemaps(crawler, start, fetched.body, skipped)
    else:
        parser = _Links()
        parser.feed(fetched.body.decode("utf-8", "replace"))
        prefix = start if start.endswith("/") else start.rsplit("/", 1)[0] + "/"
        for href in parser.links:
            url = urldefrag(urljoin(start, href))[0]
            if url.startswith(prefix) and url != start and not re.search(r"\.(?:jpe?g|png|gif|pdf|zip|css|js)$", url):
                urls.append(url)
    seen, out = set(), []
    for url in urls:
        if url in seen:
            continue
        seen.add(url)
        if not same_site(url, start):
            skipped.append((url, "another site: only the start URL's own site is ingested"))
        elif len(out) >= crawler.max_pages:
            skipped.append((url, f"over the {crawler.max_pages} pages one sync reads (CLINIC_WEB_MAX_PAGES)"))
        elif not crawler.allowed(url):
            skipped.append((url, "robots.txt does not allow it"))
        else:
            out.append(url)
    return out, skipped


def _from_sitemaps(crawler: Crawler, start: str, body: bytes, skipped: list[tuple[str, str]]) -> list[str]:
    """Pages listed by a sitemap or a sitemap index, breadth first, with the bounds above."""
    pages: list[str] = []
    visited = {start}
    queue: list[tuple[str, bytes | None, int]] = [(start, body, 0)]
    limit = crawler.max_pages * 2  # room for duplicates and other sites, dropped later
    while queue:
        url, data, depth = queue.pop(0)
        try:
            if data is None:
                data = crawler.fetch(url).body
            index, locs = sitemap_locs(data)
        except FetchError as exc:
            if url == start:
                raise
            skipped.append((url, f"sub-sitemap not read: {exc}"))
            continue
        if not index:
            pages.extend(locs[: max(0, limit - len(pages))])
            if len(pages) >= limit:
                skipped.append((url, f"lists more pages than one sync reads (CLINIC_WEB_MAX_PAGES={crawler.max_pages})"))
                break
            continue
        for loc in locs:
            if loc in visited:
                continue
            visited.add(loc)
            if depth + 1 > MAX_SITEMAP_DEPTH:
                skipped.append((loc, f"sitemap nested more than {MAX_SITEMAP_DEPTH} deep; not read"))
            elif not same_site(loc, start):
                skipped.append((loc, "another site: only the start URL's own site is ingested"))
            else:
                queue.append((loc, None, depth + 1))
    return pages
