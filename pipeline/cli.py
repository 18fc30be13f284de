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
    local = "local"  # the Prefect flow in this process, chunk tasks on threads (no server to configure)
    processes = "processes"  # chunk tasks in isolated worker processes on this machine
    dask = "dask"  # prefect-dask: a LocalCluster, or --dask-address tcp://HOST:PORT
    ray = "ray"  # prefect-ray: a local Ray, or --ray-address ray://HOST:PORT


class Layout(str, Enum):
    flat = "flat"
    year = "year"  # hive partitions report_year=YYYY (unknown year: report_year=0)


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
    paths: list[str] = typer.Argument(..., help="report files or folders (searched recursively), or URLs "
                                                "(file://, memory://, s3://...)"),
    out: str = typer.Option("data/out", "--out", "-o", help="output folder or URL (s3://bucket/prefix, memory://...)"),
    runner: Runner = typer.Option(Runner.local, help="where the Prefect flow's tasks run"),
    dask_address: Optional[str] = typer.Option(None, help="existing Dask scheduler (tcp://HOST:PORT), --runner dask"),
    ray_address: Optional[str] = typer.Option(None, help="existing Ray cluster (ray://HOST:PORT), --runner ray"),
    chunk_size: int = typer.Option(25, help="documents per Prefect task"),
    partition: Optional[Layout] = typer.Option(None, help="layout of a new output: flat (default) or year"),
    no_prefect: bool = typer.Option(False, "--no-prefect", help="run the plain functions, without Prefect"),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="progress bar (default: when stdout is a terminal)"),
    doc_timeout: Optional[float] = typer.Option(None, "--doc-timeout", min=0,
                                                help="seconds a document may take (default 300, env XXGK_DOC_TIMEOUT; 0 = no cap)"),
    doc_memory_mb: Optional[int] = typer.Option(None, "--doc-memory-mb", min=0,
                                                help="MB a document may use (default 2048, env XXGK_DOC_MEMORY_MB; 0 = no cap)"),
) -> None:
    """Extract and validate reports; write the datasets under OUT/<dataset>/ as Parquet."""
    import contextlib
    import os

    # Through the environment, so that every place that extracts (plain run, Prefect task threads,
    # worker processes) reads the same caps with pipeline.limits.limits().
    for var, value in (("XXGK_DOC_TIMEOUT", doc_timeout), ("XXGK_DOC_MEMORY_MB", doc_memory_mb)):
        if value is not None:
            os.environ[var] = str(value)

    from extractors.errors import XxgkError
    from pipeline import fs

    show = sys.stdout.isatty() if progress is None else progress
    try:
        remote = fs.RemoteOutput(out) if fs.is_remote(out) else contextlib.nullcontext(fs.local_path(out))
        with remote as local_out, _Bar(show) as bar:
            if partition is not None:
                from pipeline.storage import init_layout

                init_layout(local_out, "report_year" if partition == Layout.year else "flat")
            local_paths = fs.localize_inputs(paths, fs.inputs_cache())
            if no_prefect:
                from pipeline.run import run_batch

                summary = run_batch(local_paths, local_out, on_start=bar.start, on_report=bar.advance).to_dict()
            else:
                from flows import run_flow

                summary = run_flow(local_paths, str(local_out), on_start=bar.start, on_report=bar.advance,
                                   runner=runner.value, dask_address=dask_address, ray_address=ray_address,
                                   chunk_size=chunk_size)
        summary["out"] = out
    except (XxgkError, FileNotFoundError) as e:
        console.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    print_summary(summary)


@app.command()
def compact(
    out: Path = typer.Argument(..., help="output folder of a run"),
    layout: Optional[Layout] = typer.Option(None, help="re-lay out every dataset (flat or year)"),
) -> None:
    """Merge the small Parquet files of each dataset folder (and optionally change the layout)."""
    from extractors.errors import XxgkError
    from pipeline.compact import compact as do_compact

    try:
        done = do_compact(out, None if layout is None else ("report_year" if layout == Layout.year else "flat"))
    except XxgkError as e:
        console.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    console.print("merged: " + (", ".join(f"{k} {v} files" for k, v in done.items()) or "nothing to merge"))


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
