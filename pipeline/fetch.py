"""Polite, bounded HTTP for the crawler.

- robots.txt honoured per host (4xx: no rules; 5xx or unreachable: assume disallow-all, RFC 9309).
- Per-host rate limit and concurrency (``HostGate``); robots.txt Crawl-delay widens the interval.
- Retries with exponential backoff for timeouts, 429 and 5xx only (Retry-After honoured, capped).
- Conditional GET (If-None-Match / If-Modified-Since); 304 means "unchanged".
- Bodies are streamed and abandoned at the size cap or the download deadline.
- Redirects are followed by hand, each hop checked against the allowed hosts and robots.txt,
  so a redirect to another host is never followed; loops and long chains are errors.

A failure never raises out of ``Fetcher.fetch``: it returns a ``FetchResult`` whose ``error``
starts with a short code (``http_404``, ``timeout``, ``too_large``, ``redirect_loop``, ...).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
import urllib.robotparser
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.sites import USER_AGENT_TOKEN, SiteConfig, host_of

REDIRECTS = (301, 302, 303, 307, 308)
MAX_RETRY_AFTER = 120.0
ROBOTS_MAX_BYTES = 512 * 1024


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_disposition: str | None = None
    location: str | None = None
    error: str | None = None
    attempts: int = 0
    spooled: Path | None = None    # body on disk (when fetched with spool_dir) instead of ``body``
    sha256: str | None = None
    size: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None

    @property
    def ok(self) -> bool:
        return self.error is None and (self.body is not None or self.spooled is not None)

    def head(self, n: int = 4096) -> bytes:
        if self.body is not None:
            return self.body[:n]
        with open(self.spooled, "rb") as fh:
            return fh.read(n)

    def read_bytes(self) -> bytes:
        return self.body if self.body is not None else self.spooled.read_bytes()

    def discard(self) -> None:
        if self.spooled is not None:
            self.spooled.unlink(missing_ok=True)


class HostGate:
    """At most ``concurrency`` requests in flight and one request start per ``interval``."""

    def __init__(self, rate: float, concurrency: int):
        self.interval = 1.0 / rate
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0

    def widen(self, interval: float) -> None:
        with self._lock:
            self.interval = max(self.interval, interval)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self.interval
            if start > now:
                time.sleep(start - now)
            yield


class _Retry(Exception):
    def __init__(self, error: str, status: int | None = None, delay: float | None = None):
        super().__init__(error)
        self.error, self.status, self.delay = error, status, delay


class Fetcher:
    """One per crawl; thread-safe. Host settings come from the first site that uses the host."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, trust_env: bool = True):
        # trust_env: HTTP(S)_PROXY / NO_PROXY from the environment are honoured.
        self._client = httpx.Client(follow_redirects=False, trust_env=trust_env)
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ public

    def fetch(self, url: str, site: SiteConfig, *, etag: str | None = None,
              last_modified: str | None = None, spool_dir: Path | None = None) -> FetchResult:
        """GET ``url``; with ``spool_dir`` the body is streamed to a file there (bounded memory),
        which the caller moves into place or ``discard()``s."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._with_retries(url, site, headers, check_robots=site.respect_robots,
                                  max_bytes=site.max_bytes, spool_dir=spool_dir)

    def robots_allows(self, url: str, site: SiteConfig) -> bool:
        if not site.respect_robots:
            return True
        host = host_of(url)
        with self._lock:
            lock = self._robots_locks.setdefault(host, threading.Lock())
        with lock:  # one robots.txt fetch per host, others wait for it
            if host not in self._robots:
                self._robots[host] = self._load_robots(url, site)
        parser = self._robots[host]
        return parser is not None and parser.can_fetch(USER_AGENT_TOKEN, url)

    # ------------------------------------------------------------ internals

    def _gate(self, host: str, site: SiteConfig) -> HostGate:
        with self._lock:
            if host not in self._gates:
                self._gates[host] = HostGate(site.rate, site.concurrency)
            return self._gates[host]

    def _load_robots(self, url: str, site: SiteConfig) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        result = self._with_retries(robots_url, site, {}, check_robots=False,
                                    max_bytes=ROBOTS_MAX_BYTES)
        parser = urllib.robotparser.RobotFileParser(robots_url)
        if result.ok:
            parser.parse(result.body.decode("utf-8", "replace").splitlines())
        elif result.status is not None and 400 <= result.status < 500:
            parser.parse([])        # no robots.txt: everything allowed
        else:
            return None             # server error or unreachable: assume disallow-all
        delay = parser.crawl_delay(USER_AGENT_TOKEN)
        if delay:
            self._gate(host_of(url), site).widen(float(delay))
        return parser

    def _with_retries(self, url: str, site: SiteConfig, headers: dict[str, str], *,
                      check_robots: bool, max_bytes: int, spool_dir: Path | None = None) -> FetchResult:
        attempts = site.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                result = self._follow(url, site, headers, check_robots, max_bytes, spool_dir)
                result.attempts = attempt
                return result
            except _Retry as retry:
                if attempt == attempts:
                    return FetchResult(url, url, status=retry.status, attempts=attempt,
                                       error=f"{retry.error} (after {attempt} attempts)")
                delay = site.backoff * 2 ** (attempt - 1)
                if retry.delay is not None:
                    delay = max(delay, min(retry.delay, MAX_RETRY_AFTER))
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _follow(self, url: str, site: SiteConfig, headers: dict[str, str],
                check_robots: bool, max_bytes: int, spool_dir: Path | None) -> FetchResult:
        current, seen = url, {url}
        for _hop in range(site.max_redirects + 1):
            if not site.allows(current):
                return FetchResult(url, current, error=f"off_host: {host_of(current)} is not an allowed host")
            if check_robots and not self.robots_allows(current, site):
                return FetchResult(url, current, error="robots: disallowed by robots.txt")
            result = self._get_once(url, current, site, headers, max_bytes, spool_dir)
            if result.status not in REDIRECTS:
                return result
            location = result.location
            if not location:
                return FetchResult(url, current, status=result.status, error="bad_redirect: no Location")
            current = urljoin(current, location).split("#")[0]
            if current in seen:
                return FetchResult(url, current, status=result.status,
                                   error=f"redirect_loop: {current} visited twice")
            seen.add(current)
        return FetchResult(url, current, error=f"too_many_redirects: more than {site.max_redirects}")

    def _get_once(self, url: str, current: str, site: SiteConfig, headers: dict[str, str],
                  max_bytes: int, spool_dir: Path | None) -> FetchResult:
        request_headers = {"User-Agent": site.user_agent, "Accept-Encoding": "gzip, deflate", **headers}
        timeout = httpx.Timeout(site.timeout)
        try:
            with self._gate(host_of(current), site).slot():
                with self._client.stream("GET", current, headers=request_headers, timeout=timeout) as resp:
                    return self._read(url, current, resp, site, max_bytes, spool_dir)
        except httpx.TimeoutException as exc:
            raise _Retry(f"timeout: {type(exc).__name__} after {site.timeout}s") from exc
        except httpx.HTTPError as exc:
            # Connection refused/reset, protocol errors: terminal (only timeouts/429/5xx are retried).
            return FetchResult(url, current, error=f"network: {type(exc).__name__}: {exc}")

    def _read(self, url: str, current: str, resp: httpx.Response, site: SiteConfig,
              max_bytes: int, spool_dir: Path | None) -> FetchResult:
        status = resp.status_code
        h = resp.headers
        result = FetchResult(url, current, status=status, content_type=h.get("content-type"),
                             etag=h.get("etag"), last_modified=h.get("last-modified"),
                             content_disposition=h.get("content-disposition"), location=h.get("location"))
        if status in REDIRECTS:
            return result
        if status == 304:
            return result
        if status == 429 or status >= 500:
            raise _Retry(f"http_{status}", status, _retry_after(h.get("retry-after")))
        if status >= 400 or status < 200:
            result.error = f"http_{status}"
            return result
        declared = h.get("content-length")
        # Limit errors keep the validators, so a re-crawl can ask "still the same?" with a 304.
        if declared and declared.isdigit() and int(declared) > max_bytes:
            result.error = f"too_large: Content-Length {declared} > cap {max_bytes}"
            return result
        deadline = time.monotonic() + site.download_timeout
        chunks, size, digest = [], 0, hashlib.sha256()
        spool = sink = None
        if spool_dir is not None:
            spool_dir.mkdir(parents=True, exist_ok=True)
            spool = spool_dir / f"{secrets.token_hex(8)}.part"
            sink = open(spool, "wb")
        try:
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    result.error = f"too_large: body exceeds cap {max_bytes} bytes"
                    return result
                if time.monotonic() > deadline:
                    result.error = f"download_timeout: body not complete after {site.download_timeout}s"
                    return result
                digest.update(chunk)
                if sink is not None:
                    sink.write(chunk)
                else:
                    chunks.append(chunk)
            result.sha256, result.size = digest.hexdigest(), size
            if sink is not None:
                sink.flush()
                os.fsync(sink.fileno())
                result.spooled = spool
            else:
                result.body = b"".join(chunks)
            return result
        finally:
            if sink is not None:
                sink.close()
                if result.spooled is None:
                    spool.unlink(missing_ok=True)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
