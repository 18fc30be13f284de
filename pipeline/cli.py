"""The ``xxgk`` command line (typer). Commands stay thin: they parse options and call library code.

Other modules add their commands by exposing ``register(app)`` in a module named
``pipeline/cli_<name>.py`` (e.g. ``cli_crawl``); every such module that imports is registered.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(help="政府信息公开工作年度报告 -> validated, tidy Parquet datasets.", no_args_is_help=True,
                  add_completion=False)
console = Console(stderr=False)


@app.callback()
def _main() -> None:
    """xxgk: extract, validate and publish government information-disclosure annual reports."""


class Runner(str, Enum):
    local = "local"  # the Prefect flow in this process (local mode, no server to configure)


def print_summary(s: dict[str, Any], out: Console = console) -> None:
    rep, fnd, fail = s.get("reports", {}), s.get("findings", {}), s.get("failures", {})
    n = sum(rep.values())
    out.print(f"[bold]{n}[/] documents in {s.get('seconds', 0):.1f} s → {s.get('out')}"
              + (f" ({s['cached']} from cache)" if s.get("cached") else "")
              + (f", {s['duplicates']} duplicate inputs skipped" if s.get("duplicates") else ""))
    out.print("reports: " + ", ".join(f"{k} [bold]{rep.get(k, 0)}[/]" for k in ("ok", "partial", "failed")))
    out.print("findings: " + ", ".join(f"{k} [bold]{fnd.get(k, 0)}[/]" for k in ("error", "warning", "info")))
    if fail:
        out.print("failures by stage: " + ", ".join(f"{k} {v}" for k, v in sorted(fail.items())))
    worst = [w for w in s.get("worst", []) if w[0] or w[1]]
    if worst:
        t = Table("errors", "warnings", "report", title="worst reports", title_justify="left", box=None)
        for errors, warnings, source in worst:
            t.add_row(str(errors), str(warnings), str(source))
        out.print(t)


class _Bar:
    """A rich progress bar, or nothing when stdout is not a terminal."""

    def __init__(self, enabled: bool):
        self.progress = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), console=console, disable=not enabled, transient=True)
        self.task = None

    def __enter__(self) -> "_Bar":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def start(self, total: int) -> None:
        self.task = self.progress.add_task("extract", total=total)

    def advance(self, _bundle: dict) -> None:
        if self.task is not None:
            self.progress.advance(self.task)


@app.command()
def run(
    paths: list[Path] = typer.Argument(..., help="report files or folders (searched recursively)"),
    out: Path = typer.Option(Path("data/out"), "--out", "-o", help="output folder of the datasets"),
    runner: Runner = typer.Option(Runner.local, help="where the Prefect flow runs"),
    no_prefect: bool = typer.Option(False, "--no-prefect", help="run the plain functions, without Prefect"),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="progress bar (default: when stdout is a terminal)"),
) -> None:
    """Extract and validate reports; write the datasets under OUT/<dataset>/ as Parquet."""
    from extractors.errors import XxgkError

    show = sys.stdout.isatty() if progress is None else progress
    try:
        with _Bar(show) as bar:
            if no_prefect:
                from pipeline.run import run_batch

                summary = run_batch(paths, out, on_start=bar.start, on_report=bar.advance).to_dict()
            else:
                from flows import run_flow

                summary = run_flow([str(p) for p in paths], str(out), on_start=bar.start, on_report=bar.advance)
    except (XxgkError, FileNotFoundError) as e:
        console.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    print_summary(summary)


def _register_plugins() -> None:
    """Commands of other modules: ``pipeline/cli_*.py`` exposing ``register(app)``."""
    import pipeline

    for mod in sorted(m.name for m in pkgutil.iter_modules(pipeline.__path__) if m.name.startswith("cli_")):
        try:
            module = importlib.import_module(f"pipeline.{mod}")
        except Exception as e:  # noqa: BLE001 - one broken plugin must not take the CLI down
            print(f"xxgk: command module pipeline.{mod} not loaded: {e}", file=sys.stderr)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_plugins()

if __name__ == "__main__":
    app()
