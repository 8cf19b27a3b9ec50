"""Pluggable text-message senders (FACEPAY_SMS_SENDER is the dotted path of a class)."""

from __future__ import annotations

import json
import logging
import threading
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, *, phone: str, message: str) -> None: ...


class ConsoleSender:
    """Development sender: logs the message and appends it to DATA_DIR/sms-outbox.jsonl.

    The outbox lets a developer (and the browser test) read a code that a real phone would get;
    it is never used in production, where a carrier's sender class is configured instead.
    """

    _lock = threading.Lock()

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", phone, message)
        line = json.dumps({"at": timezone.now().isoformat(), "phone": phone, "message": message})
        with self._lock, open(outbox_path(), "a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")


def outbox_path():
    return settings.DATA_DIR / "sms-outbox.jsonl"


@cache
def _sender_class(path: str) -> type:
    return import_string(path)


def get_sender() -> SmsSender:
    return _sender_class(settings.FACEPAY_SMS_SENDER)()


def is_development_sender() -> bool:
    return issubclass(_sender_class(settings.FACEPAY_SMS_SENDER), ConsoleSender)
