"""Create the demo street (idempotent) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from credit import demo as credit_demo
from facepay import demo
from payments import demo as payments_demo


class Command(BaseCommand):
    help = "Create the demo street: merchants, stores, terminals, staff, customers, history."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo.seed_street(customers=options["customers"])
        booked = payments_demo.seed_history(days=120)
        self.stdout.write(f"Payment history: {booked} payments booked (0 = already there).")
        scored = credit_demo.seed_scores(months=3)
        self.stdout.write(f"Credit scores: {scored} merchant-months scored (one row each, kept).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo street ready. Logins (password for all: {demo.DEMO_PASSWORD}):"
            )
        )
        for login in logins:
            self.stdout.write(f"  {login.role:<17} {login.username:<20} {login.note}")
