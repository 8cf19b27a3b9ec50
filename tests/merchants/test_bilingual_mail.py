"""The merchant's decision e-mails and the cashier invitation: Chinese first, then English, from
the one catalogue (issue 15: 10). The Chinese half holds no English (tests/facepay/latin.py)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from facepay.mail import RULE
from facepay.models import User
from merchants import services
from tests.facepay.latin import english_runs
from tests.merchants.factories import StoreFactory
from tests.merchants.test_services import application_fields

pytestmark = pytest.mark.django_db

NAME = "五马茶楼"


def _halves(message: mail.EmailMessage) -> tuple[tuple[str, str], tuple[str, str]]:
    """((Chinese subject, body), (English subject, body)) of a bilingual e-mail."""
    subject_zh, subject_en = message.subject.split(" / ")
    body_zh, body_en = message.body.split(RULE)
    return (subject_zh, body_zh), (subject_en, body_en)


def _assert_bilingual(message: mail.EmailMessage, *, data: tuple[str, ...]) -> tuple[str, str]:
    (subject_zh, body_zh), (subject_en, body_en) = _halves(message)
    found = english_runs(f"{subject_zh}\n{body_zh}", data=data)
    assert not found, f"English in the Chinese half of {message.subject!r}:\n" + "\n".join(found)
    assert english_runs(body_en, data=data), "the second half is the English one"
    return subject_en, body_en


def test_decision_mails_are_chinese_then_english_whatever_the_deciders_language(
    make_user, django_capture_on_commit_callbacks
) -> None:
    owner = make_user(User.Role.MERCHANT_OWNER, email="owner@example.test")
    operator = make_user(User.Role.OPERATOR, email="ops@example.test")
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields(name=NAME)
    )
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.merchant_application_submit(actor=owner, merchant=merchant)
        services.merchant_review_start(actor=operator, merchant=merchant)
        services.merchant_request_more_info(
            actor=operator, merchant=merchant, reason="营业执照模糊"
        )
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        services.merchant_application_submit(actor=owner, merchant=merchant)
        services.merchant_review_start(actor=operator, merchant=merchant)
        services.merchant_approve(actor=operator, merchant=merchant)
    to_owner = [m for m in mail.outbox if m.to == ["owner@example.test"]]
    english = [_assert_bilingual(m, data=(NAME,)) for m in to_owner]
    assert [subject for subject, _body in english] == [
        "Your FacePay Street application was received",
        "Your FacePay Street application is under review",
        "Your FacePay Street application needs more information",
        "Your FacePay Street application was received",
        "Your FacePay Street application is under review",
        "Your FacePay Street application is approved",
    ]
    assert english[-1][1] == f"The application of {NAME} is now: Approved."
    with translation.override("zh-hans"):
        assert _halves(to_owner[-1])[0] == (
            translation.gettext("Your FacePay Street application is approved"),
            translation.gettext("The application of %(merchant)s is now: %(status)s.")
            % {"merchant": NAME, "status": translation.gettext("Approved")},
        )
    assert "营业执照模糊" in _halves(to_owner[2])[0][1]  # the reviewer's reason, as written
    to_operator = [m for m in mail.outbox if m.to == ["ops@example.test"]]
    assert len(to_operator) == 2
    for message in to_operator:
        _assert_bilingual(message, data=(NAME,))


def test_cashier_invitation_is_chinese_then_english(
    django_capture_on_commit_callbacks,
) -> None:
    store = StoreFactory(name="五马茶楼 总店")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.staff_invite(
            actor=store.merchant.owner,
            store=store,
            email="li.na@example.test",
            display_name="李娜",
            base_url="http://testserver",
        )
    (message,) = mail.outbox
    _subject, body_en = _assert_bilingual(message, data=(store.name,))
    assert body_en.startswith(f"You have been invited as a cashier of {store.name}.")
    links = {word for word in message.body.split() if word.startswith("http://testserver")}
    assert len(links) == 1  # the same one-time link in both halves
