"""Issue 15: the counter page's texts: titles per refusal, pairing messages, in the language."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from merchants.signing import sign_request
from payments import terminal_text
from payments.views import DECLINE_TEXT
from tests.merchants.factories import StoreStaffFactory, terminal_with_secret

pytestmark = pytest.mark.django_db


def page_texts(language: str) -> dict:  # type: ignore[type-arg]
    terminal = terminal_with_secret().terminal
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(StoreStaffFactory(store=terminal.store).user)
    page = client.get(f"/payments/terminal/{terminal.pk}/").content.decode()
    assert 'data-me="/api/merchants/terminal/me"' in page  # pairing is checked by a signed call
    found = re.search(r'<script id="terminal-messages"[^>]*>(.*?)</script>', page)
    assert found
    return json.loads(found.group(1))


def test_counter_page_titles_each_refusal_and_words_every_pairing_refusal_in_chinese() -> None:
    texts = page_texts("zh-CN")
    assert texts["titles"]["no_match"] == "未能识别"
    assert texts["titles"]["face_too_dark"] == "请重新拍摄"
    assert texts["titles"]["customer_frozen"] == "该顾客暂不能刷脸支付"
    assert texts["titles"]["default"] == "支付失败"
    assert texts["reasons"]["face_too_dark"] == "光线过暗，请到更亮的地方。"
    assert texts["reasons"]["face_too_bright"] == "光线过亮，请避开强光。"
    assert texts["pairing"]["signature_invalid"].startswith("密钥与此终端不符")
    assert (texts["not_paired"], texts["try_again"]) == ("未配对", "再试一次")
    # Every text the counter can show is translated: no Latin words left.
    for group in ("titles", "pairing", "reasons"):
        for code, value in texts[group].items():
            assert not re.search(r"[A-Za-z]{2,}", value), (group, code, value)


def test_every_picture_problem_has_a_reason_and_a_title() -> None:
    codes = {"no_face", "multiple_faces", "face_too_small", "face_blurred", "face_turned"}
    codes |= {"face_too_dark", "face_too_bright"}
    assert codes <= DECLINE_TEXT.keys()
    assert codes <= terminal_text.TITLES.keys()
    assert {"signature_invalid", "terminal_unknown", "terminal_revoked"} <= (
        terminal_text.PAIRING.keys()
    )


def test_signature_refusal_is_worded_in_the_readers_language() -> None:
    credentials = terminal_with_secret()
    path = "/api/merchants/terminal/me"
    headers = sign_request(
        secret="mistyped-secret", method="GET", path=path, body=b"", terminal_id=credentials.key_id
    )
    response = Client().get(path, headers={**headers, "Accept-Language": "zh-CN"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "signature_invalid"
    assert error["message"] == "签名与请求不符。"


def test_counter_page_records_the_burst_the_liveness_check_is_measured_on() -> None:
    terminal = terminal_with_secret().terminal
    client = Client()
    client.force_login(StoreStaffFactory(store=terminal.store).user)
    page = client.get(f"/payments/terminal/{terminal.pk}/").content.decode()
    # burst.RECORDING_FRAMES at 7.5 fps: 12 frames, 1467 ms first to last (kit v2's shape).
    assert 'data-burst-frames="12" data-burst-ms="1467"' in page
