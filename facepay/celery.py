"""The Celery app: tasks are discovered in each installed app's tasks.py; beat schedule below."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facepay.settings")

app = Celery("facepay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each app registers its periodic jobs here by task name, so the schedule is one readable list.
app.conf.beat_schedule = {
    "payments-expire-attempts": {
        "task": "payments.tasks.payment_attempts_expire_task",
        "schedule": 60.0,
    },
    "payments-redrive-undecided": {
        "task": "payments.tasks.payment_attempts_redrive_task",
        "schedule": 5.0,
        "options": {"expires": 5.0},  # sweeps queued while no worker ran are dropped, not piled
    },
    "payments-nightly-settlement": {
        "task": "payments.tasks.settlement_run_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "credit-monthly-scoring": {
        "task": "credit.tasks.credit_scores_compute_task",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
    },
    "customers-template-retention": {
        "task": "customers.tasks.face_templates_purge_expired_task",
        "schedule": crontab(hour=3, minute=30),
    },
}
