"""Issue 14, finding 2: outside DEBUG the development text-message sender and the console
e-mail refuse to start unless explicitly chosen, and no code or link is ever logged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from customers import sms
from facepay.apps import refuse_development_messaging


def test_console_sender_never_logs_the_message(tmp_path: Path, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    with caplog.at_level(logging.DEBUG):
        sms.ConsoleSender().send(phone="+8613812345678", message="FacePay Street code: 279631")

    assert "279631" not in caplog.text
    assert "+8613812345678" not in caplog.text
    assert "279631" in (tmp_path / "sms-outbox.jsonl").read_text()


@pytest.mark.parametrize(
    ("email_backend", "sms_sender"),
    [
        ("django.core.mail.backends.console.EmailBackend", "carrier.Sender"),
        ("django.core.mail.backends.smtp.EmailBackend", "customers.sms.ConsoleSender"),
    ],
)
def test_development_messaging_is_refused_outside_debug(  # type: ignore[no-untyped-def]
    settings, email_backend: str, sms_sender: str
) -> None:
    settings.DEBUG = False
    settings.FACEPAY_DEVELOPMENT_MESSAGES = False
    settings.EMAIL_BACKEND = email_backend
    settings.FACEPAY_SMS_SENDER = sms_sender

    with pytest.raises(ImproperlyConfigured, match="FACEPAY_DEVELOPMENT_MESSAGES"):
        refuse_development_messaging()


def test_development_messaging_is_allowed_in_debug_or_when_explicitly_chosen(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.FACEPAY_SMS_SENDER = "customers.sms.ConsoleSender"
    settings.DEBUG, settings.FACEPAY_DEVELOPMENT_MESSAGES = True, False
    refuse_development_messaging()
    settings.DEBUG, settings.FACEPAY_DEVELOPMENT_MESSAGES = False, True
    refuse_development_messaging()
    settings.DEBUG, settings.FACEPAY_DEVELOPMENT_MESSAGES = False, False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.FACEPAY_SMS_SENDER = "carrier.Sender"
    refuse_development_messaging()


def test_a_production_process_with_the_default_senders_does_not_start(tmp_path: Path) -> None:
    keep = {"PATH", "HOME", "LANG", "PYTHONPATH"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="production-secret-key-for-this-test-only-0123456789",
        FACEPAY_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "FACEPAY_DEVELOPMENT_MESSAGES" in result.stderr
    assert not (tmp_path / "sms-outbox.jsonl").exists()
