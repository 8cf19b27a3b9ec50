"""Payments benchmark on the real stack: PostgreSQL, Redis, Celery worker, uvicorn.

Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/facepay_bench
REDIS_URL=redis://127.0.0.1:6379/15 python bench/payments.py [--payments 60] [--captures 600]
[--clients 8] [--write-docs]`.

The database named in DATABASE_URL is migrated, EMPTIED and filled with bench rows (use a
scratch database). Measures, for a real dev-set photo of an enrolled customer sent as a
640x480 JPEG: terminal POST → `awaiting_confirmation` pushed on the terminal's websocket, and
confirm → `captured` pushed; the same with the customer's confirm-free amount on (POST →
`captured` pushed, the worker captures); then, with production settings (DEBUG off), sustained
signed requests per second: the cheapest signed call (GET terminal/me, the stack's floor) and
captures through the signed HTTP API (many customers, `--clients` concurrent terminals), each
with the CPU time every kind of process (uvicorn, PostgreSQL, Redis, this client) spent a
request; and captures directly through the capture service (threads, no HTTP).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facepay.settings")
os.environ.setdefault(
    "FACEPAY_DATA_KEYS", "bench:" + base64.b64encode(b"facepay-bench-key-encryption-k!!").decode()
)
# Production settings, as a street runs them (DEBUG keeps every query's SQL in memory and
# serves static files by a disk lookup); plain http on localhost, and the SMS outbox.
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("FACEPAY_DEVELOPMENT_MESSAGES", "true")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from customers import services as customer_services  # noqa: E402
from customers.models import Customer  # noqa: E402
from facepay.face import errors as face_errors  # noqa: E402
from facepay.face.engine import get_engine  # noqa: E402
from merchants.signing import sign_request  # noqa: E402
from payments import ledger, services  # noqa: E402
from payments.models import PaymentAttempt  # noqa: E402
from tests.merchants.factories import MerchantFactory, StoreStaffFactory, terminal_with_secret  # noqa: E402
from tests.payments.factories import CustomerFactory, enrolled_customer, fund, give_consents  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request costs the client CPU
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "## Payments"
CREATE = "/api/payments/terminal/attempts/"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def pct(values: list[float], point: float) -> float:
    return float(np.percentile(np.array(values), point))


def camera_frame(photo: Path) -> bytes:
    image = ImageOps.pad(
        ImageOps.exif_transpose(Image.open(photo)).convert("RGB"), (640, 480), color=(40, 40, 40)
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    def __init__(self, *, web_workers: int, concurrency: int, db_pool: int = 0) -> None:
        self.env = {**os.environ, "DJANGO_CONN_MAX_AGE": "0", "PYTHONUNBUFFERED": "1"}
        self.env.pop("DJANGO_DB_POOL_SIZE", None)  # the Celery worker never pools (settings)
        web_env = {**self.env, "DJANGO_DB_POOL_SIZE": str(db_pool)}
        self.port = free_port()
        logs = REPO / "test-artifacts" / "bench"
        logs.mkdir(parents=True, exist_ok=True)
        self.server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "uvicorn",
                "facepay.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(web_workers),
                "--log-level",
                "warning",
                # A terminal's connection may idle past uvicorn's 5 s default between two of
                # its captures; a POST sent as the server closes it fails (no retry for POST).
                "--timeout-keep-alive",
                "60",
            ],
            cwd=REPO,
            env=web_env,
            stdout=open(logs / "asgi.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "facepay",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                f"--hostname=bench-{uuid.uuid4().hex[:6]}@127.0.0.1",
            ],
            cwd=REPO,
            env=self.env,
            stdout=open(logs / "worker.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base_url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                time.sleep(0.3)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        for process in (self.worker, self.server):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


class Device:
    def __init__(self, base_url: str, key_id: str, secret: str) -> None:
        self.base_url, self.key_id, self.secret = base_url, key_id, secret
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def call(self, method: str, path: str, payload: object = None) -> httpx.Response:
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = sign_request(
            secret=self.secret, method=method, path=path, body=body, terminal_id=self.key_id
        )
        headers["Content-Type"] = "application/json"
        return self.http.request(method, path, content=body or None, headers=headers)


def find_enrolable(faces: Path) -> tuple[Path, Path]:
    engine = get_engine()
    for person in sorted((faces / "dev").iterdir()):
        photos = sorted(person.glob("*.jpg"))
        if len(photos) < 2:
            continue
        try:
            first = services.probe_frames(frames=[photos[0].read_bytes()], depth=None)
            second = services.probe_frames(frames=[camera_frame(photos[1])], depth=None)
        except face_errors.FaceError:
            continue
        if float(first.embedding @ second.embedding) > engine.calibration.match_threshold + 0.1:
            return photos[0], photos[1]
    raise RuntimeError("no usable photo pair")


def wait_for(sock, attempt_id: str, wanted: set[str], timeout: float = 60) -> float:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        event = json.loads(sock.recv(timeout=max(0.01, deadline - time.monotonic())))
        attempt = event.get("attempt", {})
        if attempt.get("id") == attempt_id and attempt.get("status") in wanted:
            return time.perf_counter()


def latency_run(processes: Processes, count: int, faces: Path) -> dict[str, list[float]]:
    enrol_photo, probe_photo = find_enrolable(faces)
    customer = CustomerFactory()
    fund(customer, 1_900_000)
    give_consents(customer)
    Customer.objects.filter(pk=customer.pk).update(
        daily_limit_minor=10**12, step_up_above_minor=10**9
    )
    customer_services.face_enrol(
        customer=customer, images=[enrol_photo.read_bytes()], require_liveness=False
    )
    credentials = terminal_with_secret(store__merchant=MerchantFactory())
    staff = StoreStaffFactory(store=credentials.terminal.store)
    client = Client()
    client.force_login(staff.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    device = Device(processes.base_url, credentials.key_id, credentials.secret)
    frame = base64.b64encode(camera_frame(probe_photo)).decode()
    results: dict[str, list[float]] = {
        "confirm_screen": [],
        "captured": [],
        "queue": [],
        "recognition": [],
        "confirm_free": [],
        "worker_capture": [],
    }
    with connect(
        f"ws://127.0.0.1:{processes.port}/ws/payments/terminal/{credentials.terminal.pk}/",
        additional_headers={"Cookie": f"sessionid={cookie}", "Origin": processes.base_url},
    ) as sock:
        for number in range(count + 3):  # the first 3 warm the worker's engine and gallery
            started = time.perf_counter()
            response = device.call(
                "POST",
                CREATE,
                {
                    "amount_minor": 1200 + number,
                    "currency": "CNY",
                    "idempotency_key": uuid.uuid4().hex,
                    "frames": [frame],
                },
            )
            attempt_id = response.json()["id"]
            shown = wait_for(
                sock, attempt_id, {"awaiting_confirmation", "declined", "step_up_required"}
            )
            confirm_started = time.perf_counter()
            device.call("POST", f"{CREATE}{attempt_id}/confirm/")
            paid = wait_for(sock, attempt_id, {"captured", "declined"})
            if number < 3:
                continue
            attempt = PaymentAttempt.objects.get(public_id=attempt_id)
            if attempt.status != "captured":
                raise RuntimeError(f"{attempt.status} {attempt.decline_code}")
            results["confirm_screen"].append((shown - started) * 1000)
            results["captured"].append((paid - confirm_started) * 1000)
            results["queue"].append(
                (attempt.recognising_at - attempt.created_at).total_seconds() * 1000
            )
            results["recognition"].append(
                (attempt.awaiting_confirmation_at - attempt.recognising_at).total_seconds() * 1000
            )
        # Confirm-free: the same customer opts in; the worker's job captures without a tap.
        Customer.objects.filter(pk=customer.pk).update(confirm_free_up_to_minor=10**6)
        for _number in range(count):
            started = time.perf_counter()
            response = device.call(
                "POST",
                CREATE,
                {
                    "amount_minor": 900,
                    "currency": "CNY",
                    "idempotency_key": uuid.uuid4().hex,
                    "frames": [frame],
                },
            )
            attempt_id = response.json()["id"]
            paid = wait_for(sock, attempt_id, {"captured", "declined", "step_up_required"})
            attempt = PaymentAttempt.objects.get(public_id=attempt_id)
            if not (attempt.status == "captured" and attempt.is_confirm_free):
                raise RuntimeError(f"confirm-free: {attempt.status} {attempt.decline_code}")
            results["confirm_free"].append((paid - started) * 1000)
            results["worker_capture"].append(
                (attempt.captured_at - attempt.awaiting_confirmation_at).total_seconds() * 1000
            )
    return results


MERCHANTS = 8  # one terminal each; set by --merchants
PEOPLE: list[Customer] = []


def prepared_attempts(count: int, customers: int) -> tuple[list[PaymentAttempt], list]:  # type: ignore[type-arg]
    """Attempts already matched (awaiting confirmation), spread over customers and terminals."""
    while len(PEOPLE) < customers:  # enrolled once, shared by the runs (enrolling is slow)
        PEOPLE.append(enrolled_customer(amount_minor=1_900_000))
        Customer.objects.filter(pk=PEOPLE[-1].pk).update(daily_limit_minor=10**12)
    people = PEOPLE[:customers]
    credentials = [
        terminal_with_secret(store__merchant=MerchantFactory()) for _ in range(MERCHANTS)
    ]
    now = timezone.now()
    attempts = PaymentAttempt.objects.bulk_create(
        PaymentAttempt(
            terminal=credentials[n % MERCHANTS].terminal,
            store_id=credentials[n % MERCHANTS].terminal.store_id,
            merchant_id=credentials[n % MERCHANTS].terminal.store.merchant_id,
            idempotency_key=uuid.uuid4().hex,
            amount_minor=500 + n % 700,
            currency="CNY",
            status="awaiting_confirmation",
            customer=people[n % customers],
            customer_masked_name="李**",
            awaiting_confirmation_at=now,
            expires_at=now + timedelta(minutes=30),
        )
        for n in range(count)
    )
    return attempts, credentials


def signed_calls(
    processes: Processes,
    calls: list[tuple[int, str, str]],
    credentials: list,  # type: ignore[type-arg]
    clients: int,
) -> tuple[float, Counter[str]]:
    """(terminal id, method, path) calls, signed, from `clients` threads: calls a second and
    the CPU seconds each kind of process spent a call."""
    local = threading.local()

    def call(spec: tuple[int, str, str]) -> int | str:
        terminal_id, method, path = spec
        if not hasattr(local, "devices"):  # one HTTP connection pool per client thread
            local.devices = {
                c.terminal.pk: Device(processes.base_url, c.key_id, c.secret) for c in credentials
            }
        response = local.devices[terminal_id].call(method, path)
        return response.status_code if response.status_code == 200 else response.text[:200]

    before = cpu_seconds_by_kind()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        codes = list(pool.map(call, calls))
    elapsed = time.perf_counter() - started
    after = cpu_seconds_by_kind()
    if codes.count(200) != len(calls):
        failures = Counter(code for code in codes if code != 200)
        raise RuntimeError(f"signed calls failed: {failures.most_common(3)}")
    per_call = Counter(
        {
            kind: (after[kind] - before[kind]) / len(calls)
            for kind in after
            if after[kind] > before[kind]
        }
    )
    return len(calls) / elapsed, per_call


def cpu_line(per_call: Counter[str]) -> str:
    kinds = ", ".join(f"{kind} {1000 * used:.1f}" for kind, used in per_call.most_common())
    return f"{kinds} (all {1000 * sum(per_call.values()):.1f})"


def http_captures(
    processes: Processes, count: int, clients: int, customers: int
) -> tuple[float, Counter[str]]:
    attempts, credentials = prepared_attempts(count, customers=customers)
    calls = [(a.terminal_id, "POST", f"{CREATE}{a.public_id}/confirm/") for a in attempts]
    return signed_calls(processes, calls, credentials, clients)


def signed_floor(processes: Processes, count: int, clients: int) -> tuple[float, Counter[str]]:
    """The cheapest signed request a terminal makes (GET terminal/me: the signature, the nonce,
    one terminal query, a small JSON answer): what the stack costs before any payment work."""
    credentials = [
        terminal_with_secret(store__merchant=MerchantFactory()) for _ in range(MERCHANTS)
    ]
    calls = [
        (credentials[n % MERCHANTS].terminal.pk, "GET", "/api/merchants/terminal/me")
        for n in range(count)
    ]
    return signed_calls(processes, calls, credentials, clients)


def service_captures(count: int, threads: int, customers: int) -> float:
    attempts, credentials = prepared_attempts(count, customers=customers)
    terminals = {c.terminal.pk: c.terminal for c in credentials}

    def confirm(attempt: PaymentAttempt) -> None:
        try:
            services.payment_attempt_confirm(
                terminal=terminals[attempt.terminal_id], attempt_id=attempt.public_id
            )
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(confirm, attempts))
    return count / (time.perf_counter() - started)


def profiled_captures(count: int, customers: int, top: int = 25) -> str:
    """cProfile of `count` captures in one thread: through the signed HTTP stack in-process
    (Django's test client: middleware, terminal signature, DRF, the service), then the top
    entries by own time and by cumulative time."""
    import cProfile
    import pstats

    attempts, credentials = prepared_attempts(count, customers=customers)
    by_terminal = {c.terminal.pk: c for c in credentials}
    client = Client()

    def confirm(attempt: PaymentAttempt) -> None:
        found = by_terminal[attempt.terminal_id]
        path = f"{CREATE}{attempt.public_id}/confirm/"
        headers = sign_request(
            secret=found.secret, method="POST", path=path, body=b"", terminal_id=found.key_id
        )
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        response = client.post(path, data="", content_type="application/json", **extra)
        if response.status_code != 200:
            raise RuntimeError(response.content[:200])

    confirm(attempts[0])  # warm-up (imports, first connection)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for attempt in attempts[1:]:
        confirm(attempt)
    profile.disable()
    each = 1000 * (time.perf_counter() - started) / (count - 1)
    dump = REPO / "test-artifacts" / "bench" / "captures.prof"
    dump.parent.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(dump)  # for pstats: callers of any entry
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return f"{count - 1} signed HTTP captures in one thread, {each:.1f} ms each\n{out.getvalue()}"


def cpu_seconds_by_kind() -> Counter[str]:
    """CPU seconds used so far by each kind of process on the machine (/proc). PostgreSQL's
    backends that have exited are counted in the postmaster's children's times."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds: Counter[str] = Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = raw[raw.rindex(")") + 2 :].split()
            if b"multiprocessing" in cmdline:  # uvicorn's workers are spawned: name the parent's
                cmdline = Path(f"/proc/{fields[1]}/cmdline").read_bytes()
        except OSError:  # the process ended while being read
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        own, children = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
        if name == "postgres" or b"postgres" in cmdline[:40]:
            kind, used = "PostgreSQL", own + children
        elif name == "redis-server":
            kind, used = "Redis", own
        elif b"uvicorn" in cmdline:
            kind, used = "uvicorn", own
        elif b"celery" in cmdline:
            kind, used = "Celery", own
        elif int(stat.parent.name) == os.getpid():
            kind, used = "bench client", own
        else:
            kind, used = "other", own
        seconds[kind] += used / tick
    return seconds


class ConnectionSampler:
    """Samples PostgreSQL's sessions on the bench database every 50 ms; keeps the peak."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                while not self._stop.is_set():
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                    self.peak = max(self.peak, cursor.fetchone()[0])
                    self._stop.wait(0.05)
        finally:
            connection.close()

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=60)
    parser.add_argument("--captures", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--db-pool", type=int, default=0, help="DJANGO_DB_POOL_SIZE of each uvicorn worker"
    )
    parser.add_argument("--customers", type=int, default=0, help="0: one per capture")
    parser.add_argument("--merchants", type=int, default=8)
    parser.add_argument("--skip-latency", action="store_true", help="only the capture rates")
    parser.add_argument("--profile", type=int, default=0, help="profile this many captures")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    global MERCHANTS
    MERCHANTS = args.merchants
    customers = args.customers or args.captures
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("set DATABASE_URL (PostgreSQL scratch database) and REDIS_URL")
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a scratch database: start empty
    if args.captures == 0:  # --captures 0 --profile N: only the profile
        print(profiled_captures(args.profile, customers=min(args.customers or 50, args.profile)))
        return
    faces = Path(settings.FACEPAY_FACES_DIR)
    processes = Processes(web_workers=args.web_workers, concurrency=2, db_pool=args.db_pool)
    try:
        with ConnectionSampler() as sampler:
            latency = {} if args.skip_latency else latency_run(processes, args.payments, faces)
            floor_rate, floor_cpu = signed_floor(processes, args.captures, args.clients)
            print(f"signed floor (GET terminal/me): {floor_rate:.1f} requests/s")
            print(f"  CPU ms a request: {cpu_line(floor_cpu)}")
            http_rate, http_cpu = http_captures(processes, args.captures, args.clients, customers)
            print(f"http: {http_rate:.1f} captures/s")
            print(f"  CPU ms a capture: {cpu_line(http_cpu)}")
    finally:
        processes.stop()
    # CONN_MAX_AGE=0: a connection lives for one request or one job, so the stack never holds
    # more than one per in-flight request (the clients), per Celery process (concurrency 2 plus
    # the main process) and this script's own.
    # With a pool each uvicorn worker keeps up to --db-pool connections open instead.
    web = args.web_workers * args.db_pool if args.db_pool else args.clients
    bound = web + 2 + 1 + 1
    service_rate = service_captures(args.captures, threads=args.clients, customers=customers)
    print(f"service: {service_rate:.1f} captures/s", flush=True)
    if args.profile:
        print(profiled_captures(args.profile, customers=min(customers, args.profile)))
    if args.skip_latency:
        print(f"load average {os.getloadavg()}; books {ledger.verify_books().problems[:3]}")
        print(f"PostgreSQL connections: peak {sampler.peak}, bound {bound}")
        return
    report = ledger.verify_books()
    rows = [
        ("POST → awaiting_confirmation pushed", latency["confirm_screen"]),
        ("  of which queue wait (created → recognising)", latency["queue"]),
        ("  of which recognition job (recognising → decided)", latency["recognition"]),
        ("confirm POST → captured pushed", latency["captured"]),
        ("confirm-free: POST → captured pushed (worker captures)", latency["confirm_free"]),
        ("  of which the capture in the worker (decided → captured)", latency["worker_capture"]),
    ]
    lines = [
        SECTION,
        "",
        f"`bench/payments.py` on the real stack: PostgreSQL, Redis, uvicorn ({args.web_workers} "
        "workers), one Celery worker (prefork, concurrency 2), all on one machine: "
        f"{os.cpu_count()} CPU ({cpu_model()}), Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. A 640x480 JPEG of a real dev-set photo of an enrolled "
        f"customer; {args.payments} payments one after another after 3 warm-up payments, then "
        f"{args.payments} confirm-free ones.",
        "",
        "| latency (ms) | p50 | p95 | p99 |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {pct(v, 50):.0f} | {pct(v, 95):.0f} | {pct(v, 99):.0f} |"
            for name, v in rows
        ),
        "",
        "| sustained signed requests | per second |",
        "|---|---:|",
        f"| the floor: signed GET terminal/me, {args.clients} concurrent terminals, "
        f"{args.captures} requests | {floor_rate:.0f} |",
        f"| signed HTTP confirm, {args.clients} concurrent terminals, {args.captures} captures | "
        f"{http_rate:.0f} |",
        f"| capture service directly, {args.clients} threads, {args.captures} captures | "
        f"{service_rate:.0f} |",
        "",
        f"CPU ms a request, by process (/proc): floor {cpu_line(floor_cpu)}; "
        f"capture {cpu_line(http_cpu)}.",
        "",
        f"PostgreSQL sessions on the database, sampled every 50 ms through both runs above: "
        f"peak {sampler.peak}, bound {bound} ({args.clients} in-flight requests + 3 Celery "
        "processes + this script; `DJANGO_CONN_MAX_AGE=0`).",
        "",
        f"Books after the run: {'consistent' if report.is_consistent else report.problems[:3]}. "
        f"Load average at the end (other work shares these cores): "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        "Where the time goes is in `## Payments: where the time goes` below (a profile, not "
        "rewritten by this script).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        current = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
        if SECTION in current:
            head, _, rest = current.partition(SECTION)
            tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
            current = head + text + ("\n" + tail if tail else "")
        else:
            current = current.rstrip("\n") + "\n\n" + text
        DOCS.write_text(current)


if __name__ == "__main__":
    main()
