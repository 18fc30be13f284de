"""``xxgk serve``: run crawl_and_extract on a schedule.

Prefect's local ephemeral mode cannot schedule, so serve needs a Prefect server: the one named by
PREFECT_API_URL (an existing server or work pool's), or else a local one that this command
starts, bound to 127.0.0.1 only.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

LOCAL_HOST = "127.0.0.1"


def server_healthy(api_url: str, timeout: float = 2.0) -> bool:
    import httpx

    try:
        return httpx.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def ensure_local_server(port: int = 4200, wait_s: float = 180.0) -> str:
    """The API URL of a local Prefect server on 127.0.0.1, started in the background if needed."""
    api = f"http://{LOCAL_HOST}:{port}/api"
    if server_healthy(api):
        return api
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    log = open(Path(tempfile.gettempdir()) / "xxgk-prefect-server.log", "ab")
    subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", LOCAL_HOST, "--port", str(port)],
                     env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if server_healthy(api):
            return api
        time.sleep(1.0)
    raise RuntimeError(f"the local Prefect server did not answer on {api} within {wait_s:.0f} s")


def serve_schedule(start_urls: list[str], raw: str, out: str, cron: str, config: str | None = None,
                   name: str = "xxgk-nightly") -> None:
    """Register the schedule with the server and run flow runs as they come due (blocks)."""
    if not os.environ.get("PREFECT_API_URL"):
        os.environ["PREFECT_API_URL"] = ensure_local_server()
    from flows import crawl_and_extract

    crawl_and_extract.serve(name=name, cron=cron, parameters={
        "start_urls": list(start_urls), "raw": str(raw), "out": str(out), "config": config})


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(start_urls: list[str] = typer.Argument(None, help="list pages to crawl (or sites in --config)"),
              raw: Path = typer.Option(Path("data/raw"), "--raw", help="crawl folder"),
              out: Path = typer.Option(Path("data/out"), "--out", "-o", help="output folder of the datasets"),
              cron: str = typer.Option("0 2 * * *", help="schedule, cron syntax (server time zone)"),
              config: Path = typer.Option(None, help="sites YAML (start URLs, hosts, rates)"),
              name: str = typer.Option("xxgk-nightly", help="deployment name shown in the Prefect UI")) -> None:
        """Run crawl_and_extract on a schedule (uses PREFECT_API_URL, or starts a server on 127.0.0.1)."""
        serve_schedule(start_urls or [], str(raw), str(out), cron, str(config) if config else None, name)
