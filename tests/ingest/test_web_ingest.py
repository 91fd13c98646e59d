"""Website ingest against a small mock site served on loopback by the tests."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import time

import pytest

from ingest.chunk import ChunkParams
from ingest.index import ingest_site
from ingest.web import Crawler
from servers import program


def page(title: str, canonical: str, text: str) -> bytes:
    return (
        f"<!doctype html><html><head><title>{title} | Riverside Physio</title>"
        f'<meta property="og:site_name" content="Riverside Physio"><link rel="canonical" href="{canonical}"></head>'
        "<body><nav><a href='/'>Home</a> <a href='/team'>Our team</a></nav>"
        f"<article><h1>{title}</h1><p>{text}</p><h2>When to see a physio</h2>"
        "<p>If it has not improved after a few weeks, book an assessment with a physiotherapist.</p></article>"
        "<footer>Copyright Riverside Physio. Cookie settings.</footer></body></html>"
    ).encode()


class Site:
    """Pages, a sitemap, robots.txt, a 404, a slow page, a huge page and a redirect loop."""

    def __init__(self):
        self.pages = {
            "/blog/heel": page("Heel pain", "https://clinic.example/blog/heel-pain",
                               "Plantar heel pain is worst with the first steps in the morning."),
            "/blog/knee": page("Kneecap pain", "https://clinic.example/blog/kneecap-pain",
                               "Kneecap pain is felt at the front of the knee, often on stairs."),
            "/private/secret": page("Secret", "https://clinic.example/private", "Staff only notes."),
        }
        self.listed = ["/blog/heel", "/blog/knee", "/blog/missing", "/blog/slow", "/blog/huge", "/blog/loop",
                       "/private/secret"]
        self.etags = {"/blog/heel": '"heel-v1"'}
        self.modified = {"/blog/knee": "Mon, 02 Mar 2026 10:00:00 GMT"}
        self.log: list[tuple[float, str, int]] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status: int, body: bytes = b"", headers: dict | None = None):
                site.log.append((time.monotonic(), self.path, status))
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                path = self.path
                base = f"http://{self.headers['Host']}"
                if path == "/robots.txt":
                    return self.send(200, b"User-agent: *\nDisallow: /private/\n")
                if path == "/sitemap.xml":
                    locs = "".join(f"<url><loc>{base}{p}</loc></url>" for p in site.listed)
                    locs += "<url><loc>https://elsewhere.example/page</loc></url>"
                    return self.send(200, (
                        '<?xml version="1.0" encoding="UTF-8"?>'
                        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>').encode())
                if path == "/bomb.xml":  # billion laughs
                    return self.send(200, (
                        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol3;</loc></url></urlset>'
                    ).encode())
                if path.startswith("/index-"):  # an index that points to the next index, for ever
                    depth = int(path[len("/index-"):-len(".xml")])
                    locs = f"<sitemap><loc>{base}/index-{depth + 1}.xml</loc></sitemap>"
                    locs += f"<sitemap><loc>{base}/index-{depth}.xml</loc></sitemap>"  # and to itself
                    locs += f"<sitemap><loc>{base}/many.xml</loc></sitemap>" if depth == 0 else ""
                    return self.send(200, (
                        '<?xml version="1.0" encoding="UTF-8"?>'
                        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
                    ).encode())
                if path == "/many.xml":
                    locs = "".join(f"<url><loc>{base}/blog/p{i}</loc></url>" for i in range(50))
                    return self.send(200, (
                        '<?xml version="1.0" encoding="UTF-8"?>'
                        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>').encode())
                if path == "/blog/":
                    links = "".join(f'<a href="{p}">{p}</a>' for p in site.listed)
                    return self.send(200, f"<html><body>{links}<a href='/about'>About</a></body></html>".encode())
                if path == "/blog/slow":
                    time.sleep(3)
                    return self.send(200, page("Slow", base + path, "Slow page text here for testing."))
                if path == "/blog/huge":
                    return self.send(200, b"<html><body>" + b"x" * (2 * 1024 * 1024) + b"</body></html>")
                if path == "/blog/loop":
                    return self.send(302, headers={"Location": "/blog/loop"})
                if path in site.pages:
                    etag, modified = site.etags.get(path), site.modified.get(path)
                    if (etag and self.headers.get("If-None-Match") == etag) or (
                        modified and self.headers.get("If-Modified-Since") == modified
                    ):
                        return self.send(304)
                    headers = {"Content-Type": "text/html; charset=utf-8"}
                    if etag:
                        headers["ETag"] = etag
                    if modified:
                        headers["Last-Modified"] = modified
                    return self.send(200, site.pages[path], headers)
                return self.send(404, b"not found")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def requests_for(self, path: str) -> list[int]:
        return [status for _, p, status in self.log if p == path]


@pytest.fixture
def site():
    s = Site()
    yield s
    s.server.shutdown()


def crawl(site, backend, embedder, start=None, delay=0.0):
    crawler = Crawler(timeout_s=1.0, max_bytes=1024 * 1024, delay_s=delay)
    return ingest_site(start or site.base + "/sitemap.xml", backend, embedder, ChunkParams(80, 10), crawler)


def names(items):
    return sorted(i.rsplit("/", 1)[-1] for i in items)


def test_sitemap_ingest_takes_same_site_allowed_pages_and_names_the_rest(site, backend, fake_embedder):
    report = crawl(site, backend, fake_embedder)
    assert names(report.added) == ["heel", "knee"]
    reasons = {s.path.rsplit("/", 1)[-1]: (s.reason, s.failed) for s in report.skipped}
    assert reasons["missing"] == ("HTTP 404", True)
    assert reasons["slow"][0] == "no answer within 1 s"
    assert "size limit" in reasons["huge"][0]
    assert "redirect loop" in reasons["loop"][0]
    assert reasons["secret"] == ("robots.txt does not allow it", False)
    assert reasons["page"][0].startswith("another site")
    assert site.requests_for("/private/secret") == [], "robots.txt was not respected"
    arts = backend.live().articles()
    heel = arts[site.base + "/blog/heel"]
    assert heel.url == "https://clinic.example/blog/heel-pain" and heel.title == "Heel pain"
    texts = " ".join(doc for _, doc, _ in backend.live().documents())
    assert "Our team" not in texts and "Cookie settings" not in texts


def test_resync_fetches_only_changed_pages_and_deletes_vanished_ones(site, backend, fake_embedder):
    crawl(site, backend, fake_embedder)
    again = crawl(site, backend, fake_embedder)
    assert names(again.unchanged) == ["heel", "knee"] and not again.added and not again.updated
    assert site.requests_for("/blog/heel")[-1] == 304 and site.requests_for("/blog/knee")[-1] == 304

    site.pages["/blog/knee"] = page("Kneecap pain", "https://clinic.example/blog/kneecap-pain",
                                    "Rewritten: squats and stairs load the kneecap joint.")
    site.modified["/blog/knee"] = "Tue, 03 Mar 2026 10:00:00 GMT"
    site.listed.remove("/blog/heel")
    third = crawl(site, backend, fake_embedder)
    assert names(third.updated) == ["knee"] and names(third.deleted) == ["heel"]
    assert set(backend.live().articles()) == {site.base + "/blog/knee"}
    assert any("Rewritten" in doc for _, doc, _ in backend.live().documents())


def test_a_blog_page_url_ingests_the_pages_it_links_to_with_a_delay(site, backend, fake_embedder):
    report = crawl(site, backend, fake_embedder, start=site.base + "/blog/", delay=0.2)
    assert names(report.added) == ["heel", "knee"]
    # one fetch at a time with the pause between them (a redirect chain is one fetch)
    starts = [t for i, (t, p, _) in enumerate(site.log) if p != "/blog/slow" and (i == 0 or site.log[i - 1][1] != p)]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.15, gaps


def test_an_unreachable_start_url_is_reported(backend, fake_embedder):
    report = ingest_site("http://127.0.0.1:9/sitemap.xml", backend, fake_embedder, ChunkParams(80, 10),
                         Crawler(timeout_s=1.0, delay_s=0))
    assert not report.ok and "cannot read the start page or sitemap" in report.failed[0].reason
    assert backend.live() is None


@pytest.mark.model
def test_cli_ingests_a_sitemap_and_search_cites_the_canonical_urls(site, tmp_path):
    env = {**os.environ, "CLINIC_DATA_DIR": str(tmp_path / "d"), "CLINIC_WEB_TIMEOUT_S": "1",
           "CLINIC_WEB_DELAY_S": "0", "CLINIC_MAX_FILE_MB": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([program("clinic-assistant"), "ingest", site.base + "/sitemap.xml"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr  # some listed pages failed, and are named
    assert "added 2" in done.stdout and "FAILED: " + site.base + "/blog/missing: HTTP 404" in done.stdout
    found = subprocess.run([program("clinic-assistant"), "search", "heel pain first steps in the morning", "--json"],
                           capture_output=True, text=True, env=env, timeout=300)
    top = json.loads(found.stdout)["results"][0]
    assert top["url"].startswith("https://clinic.example/blog/heel-pain") and top["source"] == site.base + "/blog/heel"


def test_a_sitemap_with_xml_entities_is_refused_and_named(site, backend, fake_embedder):
    report = crawl(site, backend, fake_embedder, start=site.base + "/bomb.xml")
    assert not report.ok and "XML features a sitemap never needs" in report.failed[0].reason
    assert backend.live() is None or backend.live().count() == 0


def test_sitemap_indexes_are_bounded_in_depth_and_pages(site):
    from ingest.web import MAX_SITEMAP_DEPTH, page_urls

    crawler = Crawler(timeout_s=1.0, max_bytes=1024 * 1024, delay_s=0.0, max_pages=30)
    urls, skipped = page_urls(crawler, site.base + "/index-0.xml")
    assert len(urls) == 30 and all("/blog/p" in u for u in urls)
    reasons = dict(skipped)
    assert "not read" in reasons[f"{site.base}/index-{MAX_SITEMAP_DEPTH + 1}.xml"]
    assert sum("CLINIC_WEB_MAX_PAGES" in r for r in reasons.values()) == 20
    fetched = [p for _, p, _ in site.log if p.startswith("/index-")]
    assert len(fetched) == len(set(fetched)) == MAX_SITEMAP_DEPTH + 1  # each read once, never deeper

    few = Crawler(timeout_s=1.0, max_bytes=1024 * 1024, delay_s=0.0, max_pages=10)
    urls, skipped = page_urls(few, site.base + "/many.xml")
    assert len(urls) == 10 and "CLINIC_WEB_MAX_PAGES" in dict(skipped)[site.base + "/many.xml"]
