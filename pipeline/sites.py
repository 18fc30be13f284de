"""Site configuration for the crawler (YAML) and a tiny registry for sites that need code.

A site is declared by start URLs, the hosts it may visit, optional link patterns and its
politeness settings. The generic discovery in ``pipeline.crawl`` works with no per-site code;
a site that needs code registers a ``SiteHooks`` subclass with ``@register_site("name")`` and
names it in the YAML (``module: name``).

YAML layout (see data/sites.example.yaml)::

    defaults: {contact_url: ..., rate: 1.0, concurrency: 2, ...}
    sites:
      - name: pingtan
        start_urls: [https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/]
        allowed_hosts: [www.pingtan.gov.cn]      # default: the start URLs' hosts
        detail_patterns: ['/zfxxgknb/\\d{6}/t\\d{8}_\\d+\\.htm$']
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from extractors.errors import XxgkError

DEFAULT_CONTACT_URL = "https://github.com/xxgk/xxgk"
USER_AGENT_TOKEN = "xxgk"   # the product token robots.txt rules are matched against


class ConfigError(XxgkError):
    stage = "config"


@dataclass
class SiteConfig:
    name: str = "default"
    start_urls: list[str] = field(default_factory=list)
    # Exact "host[:port]" or "*.suffix" wildcards; empty means the start URLs' hosts.
    allowed_hosts: list[str] = field(default_factory=list)
    # Adds "*.gov.cn" to the allowed hosts; off by default so a crawl never wanders by accident.
    allow_gov_cn: bool = False
    # Regexes searched in absolute URLs: a match makes a link a report page / a list page to follow.
    detail_patterns: list[str] = field(default_factory=list)
    list_patterns: list[str] = field(default_factory=list)
    rate: float = 1.0            # requests per second per host
    concurrency: int = 2         # requests in flight per host
    contact_url: str = DEFAULT_CONTACT_URL
    timeout: float = 30.0        # connect/read timeout of one request (retried)
    download_timeout: float = 300.0  # deadline for a whole response body (not retried)
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3             # extra attempts after a timeout, 429 or 5xx
    backoff: float = 2.0         # first retry delay in seconds, doubled each time
    max_pages: int = 5000        # safety cap on fetches per site and run
    respect_robots: bool = True
    module: str | None = None    # registered SiteHooks name

    @property
    def user_agent(self) -> str:
        from importlib.metadata import PackageNotFoundError, version
        try:
            v = version("xxgk")
        except PackageNotFoundError:
            v = "0"
        return f"{USER_AGENT_TOKEN}/{v} (+{self.contact_url})"

    def host_patterns(self) -> list[str]:
        hosts = list(self.allowed_hosts) or [host_of(u) for u in self.start_urls]
        if self.allow_gov_cn:
            hosts.append("*.gov.cn")
        return hosts

    def allows(self, url: str) -> bool:
        return host_allowed(url, self.host_patterns())


@dataclass
class CrawlConfig:
    defaults: SiteConfig = field(default_factory=SiteConfig)
    sites: list[SiteConfig] = field(default_factory=list)

    def site_for(self, start_url: str) -> SiteConfig:
        """The configured site that owns ``start_url``, or a default site started there."""
        for site in self.sites:
            if start_url in site.start_urls:
                return site
        for site in self.sites:
            if site.allowed_hosts and site.allows(start_url):
                return dataclasses.replace(site, start_urls=[start_url])
        return dataclasses.replace(self.defaults, name=host_of(start_url), start_urls=[start_url])


_FIELDS = {f.name for f in dataclasses.fields(SiteConfig)}


def _site_from(mapping: dict[str, Any], base: SiteConfig, where: str) -> SiteConfig:
    unknown = set(mapping) - _FIELDS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_FIELDS)}")
    site = dataclasses.replace(base, **mapping)
    if site.rate <= 0 or site.concurrency < 1:
        raise ConfigError(f"{where}: rate must be > 0 and concurrency >= 1")
    for pattern in site.detail_patterns + site.list_patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: bad regex {pattern!r}: {exc}") from exc
    if site.module and site.module not in SITE_MODULES:
        raise ConfigError(f"{where}: module {site.module!r} is not registered "
                          f"(known: {sorted(SITE_MODULES)})")
    return site


def parse_config(data: dict[str, Any] | None, source: str = "config") -> CrawlConfig:
    data = data or {}
    if not isinstance(data, dict) or set(data) - {"defaults", "sites"}:
        raise ConfigError(f"{source}: top level must be a mapping with 'defaults' and/or 'sites'")
    defaults = _site_from(data.get("defaults") or {}, SiteConfig(), f"{source}: defaults")
    sites = []
    for i, entry in enumerate(data.get("sites") or []):
        if not isinstance(entry, dict):
            raise ConfigError(f"{source}: sites[{i}] must be a mapping")
        site = _site_from(entry, defaults, f"{source}: sites[{i}]")
        if site.name == "default":
            site.name = host_of(site.start_urls[0]) if site.start_urls else f"site{i}"
        sites.append(site)
    return CrawlConfig(defaults=defaults, sites=sites)


def load_config(path: str | Path) -> CrawlConfig:
    import yaml
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read site config: {exc}", source=str(path)) from exc
    return parse_config(data, str(path))


# ---------------------------------------------------------------- hosts

def host_of(url: str) -> str:
    """Lower-case ``host[:port]`` with the scheme's default port dropped."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        return f"{host}:{port}"
    return host


def host_allowed(url: str, patterns: list[str]) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    netloc, hostname = host_of(url), (parts.hostname or "").lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if hostname.endswith(pattern[1:]) or hostname == pattern[2:]:
                return True
        elif pattern == netloc:
            return True
    return False


# ---------------------------------------------------------------- per-site code

class SiteHooks:
    """Override points for a site whose pages the generic discovery gets wrong.

    ``classify`` may return "list", "page", "attachment" or "skip" for a link (``None`` means:
    let the generic rules decide); ``extra_links`` may add links the HTML does not show
    (e.g. built by JavaScript), as ``(url, text)`` pairs.
    """

    def __init__(self, config: SiteConfig):
        self.config = config

    def classify(self, url: str, text: str, page_kind: str, page_url: str) -> str | None:
        return None

    def extra_links(self, page_url: str, html: str, page_kind: str) -> list[tuple[str, str]]:
        return []


SITE_MODULES: dict[str, type[SiteHooks]] = {}


def register_site(name: str) -> Callable[[type[SiteHooks]], type[SiteHooks]]:
    def decorate(cls: type[SiteHooks]) -> type[SiteHooks]:
        SITE_MODULES[name] = cls
        return cls
    return decorate


def hooks_for(site: SiteConfig) -> SiteHooks:
    return SITE_MODULES.get(site.module or "", SiteHooks)(site)
