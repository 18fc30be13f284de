"""CLI commands for researchers: compare, report, dictionary (registered onto the main app)."""
from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(out: Path = typer.Argument(..., help="output folder of `xxgk run`"),
                by: str = typer.Option("county", help="agency, county, city or province"),
                year: int = typer.Option(None, help="report year (default: the latest)")) -> None:
        """Compare agencies or regions: metrics, ranks, year-over-year change (Parquet + CSV)."""
        from pipeline.compare import compare as do_compare, print_compare, write_compare

        table = do_compare(out, by=by, year=year)
        if table.empty:
            typer.echo("no reports to compare in " + str(out))
            raise typer.Exit(1)
        y = int(table["year"].iloc[0])
        parquet, csv = write_compare(table, out, by, y)
        print_compare(table, f"{by} · {y}")
        typer.echo(f"written: {parquet} and {csv}")

    @app.command()
    def report(out: Path = typer.Argument(..., help="output folder of `xxgk run`")) -> None:
        """Write the offline HTML report to OUT/report/ (static; open index.html from disk)."""
        from pipeline.report_html import build_report

        typer.echo(f"written: {build_report(out)}")

    @app.command()
    def dictionary(markdown: bool = typer.Option(True, help="Markdown (default) or HTML")) -> None:
        """Print the data dictionary generated from schemas/."""
        from pipeline import dictionary as d

        typer.echo(d.to_markdown() if markdown else d.to_html())
