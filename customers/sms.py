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
    """Development sender: appends the message to DATA_DIR/sms-outbox.jsonl (the log gets only
    the masked number, never the message: it carries one-time codes).

    The outbox lets a developer (and the browser test) read a code that a real phone would get;
    it is never used in production, where a carrier's sender class is configured instead.
    """

    _lock = threading.Lock()

    def send(self, *, phone: str, message: str) -> None:
        logger.info("text message to %s written to the outbox", mask_phone(phone))
        line = json.dumps({"at": timezone.now().isoformat(), "phone": phone, "message": message})
        with self._lock, open(outbox_path(), "a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "***"


def outbox_path():
    return settings.DATA_DIR / "sms-outbox.jsonl"


@cache
def _sender_class(path: str) -> type:
    return import_string(path)


def get_sender() -> SmsSender:
    return _sender_class(settings.FACEPAY_SMS_SENDER)()


def is_development_sender() -> bool:
    return issubclass(_sender_class(settings.FACEPAY_SMS_SENDER), ConsoleSender)
