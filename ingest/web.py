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
import xml.etree.ElementTree as ET
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


def page_urls(crawler: Crawler, start: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The pages to ingest: a sitemap's <loc> entries, or the same-site links of a page under its path."""
    skipped: list[tuple[str, str]] = []
    fetched = crawler.fetch(start)
    body = fetched.body.lstrip()
    urls: list[str] = []
    if body.startswith(b"<?xml") or b"<urlset" in body[:500] or b"<sitemapindex" in body[:500]:
        root = ET.fromstring(fetched.body)
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        if root.tag.endswith("sitemapindex"):
            for loc in root.findall(".//s:loc", ns):
                sub, sub_skipped = page_urls(crawler, loc.text.strip())
                urls += sub
                skipped += sub_skipped
        else:
            urls = [loc.text.strip() for loc in root.findall(".//s:loc", ns) if loc.text]
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
        elif not crawler.allowed(url):
            skipped.append((url, "robots.txt does not allow it"))
        else:
            out.append(url)
    return out, skipped
