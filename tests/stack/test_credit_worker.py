"""The monthly scoring job on a real Celery worker over Redis and PostgreSQL (beat's task name)."""

from __future__ import annotations

import pytest

from credit.models import CreditScore
from facepay.celery import app as celery_app
from tests.merchants.factories import MerchantFactory
from tests.stack.conftest import Stack

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("expert_card")]


def test_beat_task_scores_every_merchant_once_on_the_worker(stack: Stack) -> None:
    merchants = [MerchantFactory() for _ in range(3)]
    name = celery_app.conf.beat_schedule["credit-monthly-scoring"]["task"]
    assert name == "credit.tasks.credit_scores_compute_task"
    first = celery_app.send_task(name).get(timeout=60)
    again = celery_app.send_task(name).get(timeout=60)
    assert first == again == 3
    rows = CreditScore.objects.filter(trigger="monthly")
    assert rows.count() == 3  # the rerun added nothing
    assert {row.merchant_id for row in rows} == {m.pk for m in merchants}
    assert {row.status for row in rows} == {"insufficient_data"}  # no trades yet
