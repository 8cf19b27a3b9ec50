"""What the web stack costs before any work: an empty view through uvicorn, Django's ASGI
handler and the project's middleware, against the same view called in-process.

Run: `python bench/asgi_floor.py [--requests 3000] [--clients 8]`. Starts one uvicorn process
(production settings, the embedded services: the empty view touches no database) serving the
project with one extra URL, `/bench-empty`, and prints requests a second and the uvicorn
process's CPU time a request (/proc), then the same view's CPU time through Django's test
client in this process (no ASGI, no thread per request).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EMPTY = "/bench-empty"
ENV = {
    "DJANGO_SETTINGS_MODULE": "facepay.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "FACEPAY_DEVELOPMENT_MESSAGES": "true",
    "FACEPAY_LOG_LEVEL": "WARNING",
}


def _application():  # type: ignore[no-untyped-def]
    """The project's ASGI application with the empty view mounted first."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.http import JsonResponse
    from django.urls import path

    from facepay import urls

    urls.urlpatterns.insert(0, path(EMPTY.lstrip("/"), lambda request: JsonResponse({})))
    from facepay.asgi import application

    return application


if __name__ != "__main__":  # imported by uvicorn
    application = _application()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    env = {**os.environ, **ENV}
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_DB_POOL_SIZE"):
        env.pop(name, None)
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            "asgi_floor:application",
            "--app-dir",
            "bench",
            "--port",
            str(args.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO,
        env=env,
    )
    url = f"http://127.0.0.1:{args.port}{EMPTY}"
    local = threading.local()

    def get(_: int) -> int:
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=30)
        return local.client.get(url).status_code

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(get, range(200)))  # warm-up
            before, started = cpu_seconds(server.pid), time.perf_counter()
            codes = list(pool.map(get, range(args.requests)))
            elapsed, used = time.perf_counter() - started, cpu_seconds(server.pid) - before
    finally:
        server.terminate()
        server.wait(timeout=30)
    if set(codes) != {200}:
        raise SystemExit(f"unexpected answers: {set(codes)}")

    os.environ.update(ENV)
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    _application()
    from django.test import Client

    client = Client()
    for _ in range(200):
        client.get(EMPTY)
    cpu = time.process_time()
    for _ in range(args.requests):
        client.get(EMPTY)
    in_process = (time.process_time() - cpu) / args.requests
    print("| path to the empty view | requests/s | CPU ms a request |\n|---|---:|---:|")
    print(
        f"| uvicorn (1 process), {args.clients} HTTP clients | {args.requests / elapsed:.0f} "
        f"| {1000 * used / args.requests:.2f} |"
    )
    print(
        f"| Django's test client in-process (1 thread) | {1 / in_process:.0f} "
        f"| {1000 * in_process:.2f} |"
    )


if __name__ == "__main__":
    main()
