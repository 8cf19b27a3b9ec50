"""Password sign-in throttle shared by the site and the admin login, and one-time sign-in codes.

Failures are counted in the cache three ways, so a guesser is slowed without locking the owner
out: per account *and* client (10 in 5 minutes: that client may not try that account again),
per client (100 in 5 minutes: password spraying across accounts) and per account from every
client together (30 in 15 minutes: a distributed guesser). A valid one-time code, texted to the
account's phone (or e-mailed without one), lets its owner through any of these locks.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import partial
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from facepay.models import User

PAIR_MAX_FAILURES, PAIR_WINDOW_SECONDS = 10, 300
CLIENT_MAX_FAILURES, CLIENT_WINDOW_SECONDS = 100, 300
ACCOUNT_MAX_FAILURES, ACCOUNT_WINDOW_SECONDS = 30, 900
CODE_TTL_SECONDS, CODE_MAX_TRIES, CODE_RESEND_SECONDS = 600, 5, 30
CODES_PER_CLIENT, CODES_PER_CLIENT_WINDOW_SECONDS = 10, 300


class TextSender(Protocol):
    def send(self, *, phone: str, message: str) -> None: ...


def _text_sender() -> TextSender:
    """The configured text-message sender (FACEPAY_SMS_SENDER, a class with
    `send(*, phone, message)`), loaded from its setting as Django loads its e-mail backend: the
    platform names no app module (the import contract)."""
    sender: TextSender = import_string(settings.FACEPAY_SMS_SENDER)()
    return sender


def _account(username: str) -> str:
    return hashlib.sha256((username or "").strip().lower()[:150].encode()).hexdigest()[:32]


def _keys(*, username: str, client: str) -> list[tuple[str, int, int]]:
    account = _account(username)
    return [
        (f"sign-in:pair:{account}:{client}", PAIR_MAX_FAILURES, PAIR_WINDOW_SECONDS),
        (f"sign-in:client:{client}", CLIENT_MAX_FAILURES, CLIENT_WINDOW_SECONDS),
        (f"sign-in:account:{account}", ACCOUNT_MAX_FAILURES, ACCOUNT_WINDOW_SECONDS),
    ]


def _bump(key: str, timeout: int) -> None:
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)


def sign_in_is_throttled(*, username: str, client: str) -> bool:
    """Whether a password sign-in to this account from this client is refused for now."""
    return any(
        (cache.get(key) or 0) >= limit
        for key, limit, _window in _keys(username=username, client=client)
    )


def sign_in_failure_record(*, username: str, client: str) -> None:
    """Count one wrong password against the account+client pair, the client and the account."""
    for key, _limit, window in _keys(username=username, client=client):
        _bump(key, window)


def sign_in_success_record(*, username: str, client: str) -> None:
    """A right password forgives this client's failures on this account (not the others)."""
    cache.delete(_keys(username=username, client=client)[0][0])


def _code_digest(user: User, code: str) -> str:
    message = f"sign-in-code:{user.pk}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _user(username: str) -> User | None:
    lookup = {User.USERNAME_FIELD: (username or "").strip()[:150]}
    return User.objects.filter(is_active=True, **lookup).first()


def sign_in_code_send(*, username: str, client: str) -> None:
    """Text (or e-mail, without a phone) a one-time sign-in code to the account, at most once per
    30 s per account and 10 per 5 minutes per client. Says nothing about whether the account
    exists: the caller answers the same either way.
    """
    client_key = f"sign-in-code:client:{client}"
    if (cache.get(client_key) or 0) >= CODES_PER_CLIENT:
        return
    _bump(client_key, CODES_PER_CLIENT_WINDOW_SECONDS)
    user = _user(username)
    if user is None or not (user.phone or user.email):
        return
    if not cache.add(f"sign-in-code:sent:{user.pk}", 1, timeout=CODE_RESEND_SECONDS):
        return
    code = "".join(secrets.choice("0123456789") for _ in range(6))
    cache.set(
        f"sign-in-code:{user.pk}",
        {"digest": _code_digest(user, code), "tries": 0},
        timeout=CODE_TTL_SECONDS,
    )
    message = _("FacePay Street sign-in code: %(code)s (valid 10 minutes). Never share it.") % {
        "code": code
    }
    if user.phone:
        transaction.on_commit(partial(_text_sender().send, phone=user.phone, message=message))
    else:
        transaction.on_commit(
            partial(
                send_mail,
                _("Your FacePay Street sign-in code"),
                message,
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
                fail_silently=True,
            )
        )


def sign_in_code_redeem(*, username: str, code: str) -> bool:
    """Whether `code` is the account's live sign-in code; a right code is used up, and after 5
    wrong ones the code is void."""
    user = _user(username)
    code = (code or "").strip()
    if user is None or not code:
        return False
    key = f"sign-in-code:{user.pk}"
    stored = cache.get(key)
    if not stored:
        return False
    if hmac.compare_digest(stored["digest"], _code_digest(user, code)):
        cache.delete(key)
        return True
    stored["tries"] += 1
    if stored["tries"] >= CODE_MAX_TRIES:
        cache.delete(key)
    else:
        cache.set(key, stored, timeout=CODE_TTL_SECONDS)
    return False
