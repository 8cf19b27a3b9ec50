"""Issue 17: live screens stay connected, and the stack recovers from crashes by design.

Must-show 1 (a worker SIGKILLed mid-recognition and restarted decides the attempt within 30 s;
Redis stopped 30 s under running payments: the worker lives and every attempt is decided within
60 s of Redis coming back), 2 (an idle terminal WebSocket stays open 60 s, then gets a push) and
5 (/healthz red within 30 s of the worker dying). Redis faults use a private redis-server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from celery import Celery
from django.utils import timezone
from websockets.exceptions import InvalidStatus

from merchants.models import Store
from payments import ledger
from payments.models import PaymentAttempt
from tests.payments.factories import enrolled_customer
from tests.stack.conftest import REPO, Stack, _free_port, launch_stack
from tests.stack.test_payments_flow import (
    CREATE,
    enrol_clip_person,
    make_device,
    pay_by_face,
    terminal_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)
OPEN = ("created", "recognising")


def wait_until_decided(attempt_ids: list[str], seconds: float) -> dict[str, str]:
    """Each attempt's status once none is created/recognising, or when `seconds` run out."""
    deadline = time.monotonic() + seconds
    while True:
        statuses = dict(
            (str(public_id), status)
            for public_id, status in PaymentAttempt.objects.filter(
                public_id__in=attempt_ids
            ).values_list("public_id", "status")
        )
        if all(status not in OPEN for status in statuses.values()) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.25)


def test_worker_killed_mid_recognition_is_redriven_within_30_s_of_restart(
    stack: Stack, tmp_path: Path
) -> None:
    enrol_clip_person(amount_minor=20_000)
    device = make_device(stack)
    # The broker's own redelivery (visibility timeout, 120 s) is longer than the test allows:
    # only the sweeper can bring the job back in time.
    stack.env.pop("FACEPAY_BROKER_VISIBILITY_TIMEOUT", None)
    stack.start_beat(tmp_path)
    try:
        attempt_id = None
        for round_number in range(5):
            # A fresh worker is cold (it loads the engine on its first job): a wide window.
            stack.kill_worker()
            stack.start_worker()
            response = pay_by_face(device, 2500, f"k{round_number}")
            assert response.status_code == 202, response.text
            candidate = response.json()["id"]
            deadline = time.monotonic() + 30
            status = "created"
            while status == "created" and time.monotonic() < deadline:
                status = PaymentAttempt.objects.get(public_id=candidate).status
                time.sleep(0.01)
            stack.kill_worker()
            if PaymentAttempt.objects.get(public_id=candidate).status == "recognising":
                attempt_id = candidate
                break
        assert attempt_id is not None, "the job always finished before the kill"
        stack.start_worker()
        restarted = time.monotonic()
        statuses = wait_until_decided([attempt_id], seconds=30)
        took = time.monotonic() - restarted
    finally:
        stack.stop_beat()
    assert statuses[attempt_id] == "awaiting_confirmation", (statuses, took)
    assert ledger.verify_books().problems == []


def test_healthz_turns_red_within_30_s_of_the_worker_dying(stack: Stack) -> None:
    assert stack.health()["components"]["worker"]["ok"]
    stack.kill_worker()
    died = time.monotonic()
    try:
        while time.monotonic() - died < 30:
            response = httpx.get(f"{stack.base_url}/healthz", timeout=10)
            if response.status_code == 503 and not response.json()["components"]["worker"]["ok"]:
                break
            time.sleep(0.5)
        red_after = time.monotonic() - died
        assert response.status_code == 503, response.text
        assert red_after < 30
        device = make_device(stack)  # a face payment is refused plainly, not queued to nobody
        refused = device.call(
            "POST",
            CREATE,
            {"amount_minor": 100, "currency": "CNY", "idempotency_key": "nobody"},
        )
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "recognition_unavailable"
    finally:
        stack.start_worker()
    assert stack.health()["components"]["worker"]["ok"]


@contextmanager
def private_redis(tmp_path: Path) -> Iterator[tuple[int, Callable[[], None], Callable[[], None]]]:
    """A redis-server of this test's own on a free port: (port, stop, start)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("fault test: redis-server is not installed")
    port = _free_port()
    process: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        process.append(
            subprocess.Popen(
                [
                    server,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(tmp_path),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop() -> None:
        running = process.pop()
        running.kill()
        running.wait(timeout=10)

    start()
    try:
        yield port, stop, start
    finally:
        while process:
            stop()


def test_worker_holding_a_job_survives_redis_stopping_under_it(tmp_path: Path) -> None:
    """Regression for celery 5.7.0: "Restoring 1 unacknowledged message(s)", then
    "Unrecoverable error: AttributeError('NoneType' object has no attribute 'hostname')" and
    the worker exited. The pinned version reconnects and the job completes."""
    with private_redis(tmp_path) as (port, stop_redis, start_redis):
        env = {
            **os.environ,
            "BROKER_LOSS_URL": f"redis://127.0.0.1:{port}/0",
            "DJANGO_SETTINGS_MODULE": "facepay.settings",
        }
        log = tmp_path / "worker.log"
        with open(log, "wb") as output:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "tests.stack.broker_loss_app",
                    "worker",
                    "--concurrency=2",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                ],
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                app = Celery("broker-loss-client", broker=env["BROKER_LOSS_URL"])
                marker = tmp_path / "job"
                app.send_task("tests.stack.broker_loss_app.hold", args=[str(marker), 6])
                deadline = time.monotonic() + 60
                while not Path(f"{marker}.started").exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert Path(f"{marker}.started").exists(), log.read_text()[-2000:]
                stop_redis()  # the worker holds the job, unacknowledged
                time.sleep(10)
                start_redis()
                deadline = time.monotonic() + 30
                done = Path(f"{marker}.done")
                while worker.poll() is None and not done.exists() and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(3)  # the crash came as the worker closed the lost connection
                assert worker.poll() is None, log.read_text()[-3000:]
                assert Path(f"{marker}.done").exists()
            finally:
                if worker.poll() is None:
                    os.killpg(worker.pid, signal.SIGTERM)
                    try:
                        worker.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        os.killpg(worker.pid, signal.SIGKILL)
                        worker.wait(timeout=10)
    assert "Unrecoverable error" not in log.read_text()


def test_redis_down_30_s_under_running_payments_then_every_attempt_is_decided(
    stack: Stack, tmp_path: Path
) -> None:
    enrol_clip_person(amount_minor=50_000)
    device = make_device(stack)
    with private_redis(tmp_path) as (port, stop_redis, start_redis):
        url = f"redis://127.0.0.1:{port}/0"
        env = {**stack.env, "REDIS_URL": url}
        env.pop("FACEPAY_BROKER_VISIBILITY_TIMEOUT", None)
        app = Celery("private", broker=url)
        with launch_stack(env, log_name="asgi-redis-fault", app=app) as private:
            private.start_beat(tmp_path)
            device.base_url = private.base_url
            warm = pay_by_face(device, 100, "warm")
            assert warm.status_code == 202, warm.text
            assert wait_until_decided([warm.json()["id"]], 60)[warm.json()["id"]] not in OPEN
            started = timezone.now()
            # Eight payments at once: the worker (concurrency 2) holds unacknowledged jobs when
            # Redis stops. celery 5.7.0's worker died right there, restoring them.
            with ThreadPoolExecutor(max_workers=8) as pool:
                running = list(
                    pool.map(
                        lambda n: pay_by_face(device, 200 + n, f"running-{n}"),
                        range(8),
                    )
                )
            assert [r.status_code for r in running] == [202] * 8
            stop_redis()
            answers = []
            outage = time.monotonic()
            n = 0
            while time.monotonic() - outage < 30:
                response = pay_by_face(device, 300 + n, f"outage-{n}")
                answers.append(response.status_code)
                n += 1
                time.sleep(2)
            # A screen reconnecting now is refused cleanly (it retries), not answered 500.
            with pytest.raises(InvalidStatus) as refused:
                terminal_socket(private, device).close()
            assert refused.value.response.status_code == 403
            start_redis()
            back = time.monotonic()
            ids = [
                str(public_id)
                for public_id in PaymentAttempt.objects.filter(
                    terminal_id=device.terminal_pk, created_at__gte=started
                ).values_list("public_id", flat=True)
            ]
            statuses = wait_until_decided(ids, seconds=60)
            took = time.monotonic() - back
            assert private.worker is not None
            assert private.worker.poll() is None, "the worker died in the outage"
        assert set(answers) <= {202, 503}, answers
        assert 503 in answers, answers
        assert all(status not in OPEN and status != "expired" for status in statuses.values()), (
            statuses,
            took,
        )
    assert ledger.verify_books().problems == []


def test_idle_terminal_socket_stays_open_for_a_minute_then_gets_a_push(stack: Stack) -> None:
    device = make_device(stack)
    customer = enrolled_customer(amount_minor=10_000)
    now = timezone.now()
    attempt = PaymentAttempt.objects.create(
        terminal_id=device.terminal_pk,
        store_id=device.store_id,
        merchant_id=Store.objects.get(pk=device.store_id).merchant_id,
        idempotency_key="idle",
        amount_minor=500,
        currency="CNY",
        status=PaymentAttempt.Status.AWAITING_CONFIRMATION,
        customer=customer,
        customer_masked_name="李**",
        awaiting_confirmation_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    with terminal_socket(stack, device) as socket:
        # Before the fix the server's channel-layer read timed out after 5 s of silence and the
        # consumer dropped the socket; nothing is sent either way during this minute.
        time.sleep(60)
        response = device.call("POST", f"{CREATE}{attempt.public_id}/cancel/")
        assert response.status_code == 200, response.text
        event = json.loads(socket.recv(timeout=10))
    assert event["type"] == "payment.status"
    assert event["attempt"]["id"] == str(attempt.public_id)
    assert event["attempt"]["status"] == "cancelled"
