"""``xxgk crawl``: registered on the main typer app by ``pipeline.cli`` via ``register(app)``."""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Optional

import typer

from extractors.errors import XxgkError


def register(app: typer.Typer) -> None:
    @app.command("crawl")
    def crawl_command(
        start_urls: Optional[list[str]] = typer.Argument(
            None, help="List pages of a 政府信息公开年报 column (optional with --config: crawl its sites)."),
        out: Path = typer.Option(..., "--out", "-o", help="RAW folder: saved files + documents/ table."),
        config: Optional[Path] = typer.Option(None, "--config", "-c", help="Site config YAML."),
        allow_gov_cn: bool = typer.Option(False, "--allow-gov-cn",
                                          help="Also follow links to any *.gov.cn host."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every request."),
    ) -> None:
        """Download report pages and attachments politely and incrementally (resumes after a kill)."""
        from pipeline.crawl import crawl
        from pipeline.sites import CrawlConfig, load_config

        logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                            format="%(asctime)s %(levelname)s %(message)s")
        try:
            cfg = load_config(config) if config else CrawlConfig()
        except XxgkError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
        if allow_gov_cn:
            cfg.defaults.allow_gov_cn = True
            for site in cfg.sites:
                site.allow_gov_cn = True
        if not start_urls and not cfg.sites:
            typer.echo("error: give START_URL(s) or a --config with sites", err=True)
            raise typer.Exit(2)
        rows = crawl(list(start_urls or []), out, cfg)
        changes = Counter((r["kind"], r["change"]) for r in rows)
        for (kind, change), n in sorted(changes.items()):
            typer.echo(f"{kind:<10} {change:<9} {n}")
        for row in rows:
            if row["change"] == "failed":
                typer.echo(f"failed: {row['url']}: {row['error']}", err=True)
        typer.echo(f"documents table: {Path(out) / 'documents' / 'documents.parquet'}")
