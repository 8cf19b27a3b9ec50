"""The real stack: PostgreSQL, Redis, a Celery worker process and the ASGI server (uvicorn).

The processes run against pytest-django's PostgreSQL test database, so tests that drive them
use `django_db(transaction=True)`: their rows must be committed for other processes to see.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from credit import scorecard
from credit.models import ScoreModel
from facepay.celery import app as celery_app
from facepay.face import errors as face_errors
from facepay.face import pack
from facepay.face.config import get_config
from facepay.face.engine import get_engine
from facepay.models import User
from payments import services as payment_services
from tests.conftest import TEST_DATA_KEYS
from tests.stack import browser

REPO = Path(__file__).resolve().parents[2]
LOG_DIR = REPO / "test-artifacts" / "stack"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    for item in items:
        item.add_marker(pytest.mark.stack)
        if missing:
            item.add_marker(
                pytest.mark.skip(reason=f"real-stack test: set {' and '.join(missing)}")
            )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """Handles on the live processes, for tests that drive them (or kill the worker)."""

    env: dict[str, str]
    base_url: str
    ws_url: str
    server: subprocess.Popen[bytes]
    app: Celery = celery_app
    worker: subprocess.Popen[bytes] | None = None
    worker_name: str = ""
    beat: subprocess.Popen[bytes] | None = None
    _logs: list[object] = field(default_factory=list)

    def start_beat(self, tmp_dir: Path) -> None:
        """Celery beat with the production schedule (the sweeper runs every 5 s)."""
        log = open(LOG_DIR / f"beat-{uuid.uuid4().hex[:8]}.log", "wb")  # noqa: SIM115
        self._logs.append(log)
        self.beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "facepay",
                "beat",
                "--loglevel=INFO",
                f"--schedule={tmp_dir / 'beat-schedule'}",
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop_beat(self) -> None:
        if self.beat is not None and self.beat.poll() is None:
            os.killpg(self.beat.pid, signal.SIGTERM)
            try:
                self.beat.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.beat.pid, signal.SIGKILL)
                self.beat.wait(timeout=10)
        self.beat = None

    def start_worker(self, concurrency: int = 2) -> None:
        self.worker_name = f"stack-{uuid.uuid4().hex[:8]}@127.0.0.1"
        log = open(LOG_DIR / f"worker-{self.worker_name.split('@')[0]}.log", "wb")  # noqa: SIM115
        self._logs.append(log)
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "facepay",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                f"--hostname={self.worker_name}",
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.worker.poll() is not None:
                raise RuntimeError(
                    f"Celery worker exited with {self.worker.returncode}; see {log.name}"
                )
            if self.app.control.ping(destination=[self.worker_name], timeout=0.5):
                break
        else:
            raise RuntimeError(f"Celery worker did not answer a ping within 60 s; see {log.name}")
        while time.monotonic() < deadline:  # face payments wait for the worker's heartbeat
            if self.health()["components"]["worker"]["ok"]:
                return
            time.sleep(0.2)
        raise RuntimeError(f"no worker heartbeat in /healthz within 60 s; see {log.name}")

    def health(self) -> dict:
        return httpx.get(f"{self.base_url}/healthz", timeout=10).json()

    def kill_worker(self) -> None:
        """SIGKILL the whole worker process group, as a crashed machine would."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.worker = None

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait(timeout=10)
        self.worker = None

    def session_cookie(self, user: User) -> str:
        """A session id for `user`, stored in the shared database, for HTTP and WebSocket use."""
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="session")
def stack(django_db_setup: None, django_db_blocker: object) -> Iterator[Stack]:
    """Start uvicorn and one Celery worker against the test database; stop them at the end."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("real-stack tests need DATABASE_URL to point at PostgreSQL")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{database['HOST']}:{database['PORT'] or 5432}"
        f"/{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "facepay.settings",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_CONN_MAX_AGE": "0",
        "FACEPAY_DATA_KEYS": TEST_DATA_KEYS,
        "DJANGO_LANGUAGE_CODE": "en",  # tests read English msgids; browsers may ask for Chinese
        # The live clips of the browser tests contain a blink: the server draws only that
        # challenge here (production draws from all four; see tests/stack/live_camera.py).
        "FACEPAY_LIVENESS_CHALLENGES": "blink",
    }
    celery_app.control.purge()  # jobs left by an earlier run refer to rows that no longer exist
    try:
        with launch_stack(env, log_name="asgi") as running:
            yield running
    finally:
        _wait_for_other_sessions_to_leave(django_db_blocker)


@contextmanager
def launch_stack(
    env: dict[str, str], *, log_name: str, app: Celery = celery_app
) -> Iterator[Stack]:
    """uvicorn and one Celery worker with this environment; both stopped on the way out."""
    port = _free_port()
    server_log = open(LOG_DIR / f"{log_name}.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "facepay.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            # Open WebSockets and keep-alive sockets would otherwise hold shutdown open.
            "--timeout-graceful-shutdown",
            "5",
        ],
        cwd=REPO,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = Stack(
        env=env,
        base_url=f"http://127.0.0.1:{port}",
        ws_url=f"ws://127.0.0.1:{port}",
        server=server,
        app=app,
        _logs=[server_log],
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"ASGI server exited with {server.returncode}; see {log_name}")
            try:
                httpx.get(f"{running.base_url}/healthz", timeout=2)  # red until a worker beats
                break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ASGI server did not answer within 60 s")
            time.sleep(0.2)
        running.start_worker()
        yield running
    finally:
        running.stop_beat()
        running.stop_worker()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a stuck shutdown must not fail the suite's last test
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        for log in running._logs:
            log.close()  # type: ignore[attr-defined]


def _wait_for_other_sessions_to_leave(django_db_blocker: object, seconds: float = 15) -> None:
    """PostgreSQL notices a dead process's sessions a moment late; the test DB drop needs none."""
    deadline = time.monotonic() + seconds
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if cursor.fetchone()[0] == 0:
                    return
            time.sleep(0.2)


@pytest.fixture
def browser_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Page]]:
    """Factory: a fresh chromium page, optionally with a fake camera showing a photo."""
    if not Path(browser.CHROMIUM).exists():
        pytest.skip(f"browser test: {browser.CHROMIUM} is missing (apt-get install chromium)")
    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # are still plain synchronous code, so Django's async guard does not apply to them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched: list[Browser] = []

        def open_page(
            camera_photo: Path | None = None, locale: str = "en-GB", camera_y4m: Path | None = None
        ) -> Page:
            camera = (
                browser.write_y4m(camera_photo, tmp_path / f"camera{len(launched)}.y4m")
                if camera_photo
                else camera_y4m
            )
            instance = playwright.chromium.launch(
                executable_path=browser.CHROMIUM,
                headless=True,
                args=browser.chromium_args(camera),
            )
            launched.append(instance)
            context = instance.new_context(locale=locale, viewport={"width": 1280, "height": 900})
            return context.new_page()

        yield open_page
        for instance in launched:
            instance.close()
        # ORM calls made while Playwright's loop runs get connections of their own (asgiref's
        # context-local storage); close them here, or the test database cannot be dropped.
        connections.close_all()


@pytest.fixture
def expert_card(db: None) -> None:
    """The expert points table of credit's data migration, which earlier flushes removed."""
    ScoreModel.objects.get_or_create(
        version="expert-1",
        defaults={
            "kind": ScoreModel.Kind.EXPERT,
            "status": ScoreModel.Status.ACTIVE,
            "table": scorecard.DEFAULT_TABLE,
            "note": "Default expert card.",
        },
    )


@pytest.fixture(scope="session")
def photo_pair(faces_dir: Path) -> tuple[Path, Path]:
    """A dev-set person whose second photo passes every gate and matches the first clearly."""
    config = get_config()
    pack.fetch_pack(pack.load_manifest(config.pack), config=config)  # no download when present
    engine = get_engine()
    for person in sorted((faces_dir / "dev").iterdir()):
        photos = sorted(person.glob("*.jpg"))
        if len(photos) < 2:
            continue
        try:
            enrolment = payment_services.probe_frames(frames=[photos[0].read_bytes()], depth=None)
            probe = payment_services.probe_frames(frames=[photos[1].read_bytes()], depth=None)
        except face_errors.FaceError:
            continue
        if (
            float(np.dot(enrolment.embedding, probe.embedding))
            > engine.calibration.bands[0] + 0.1  # the accept band, with room
        ):
            return photos[0], photos[1]
    raise AssertionError("no usable photo pair in the dev set")
