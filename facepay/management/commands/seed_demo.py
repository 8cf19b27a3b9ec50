"""Create the demo street (idempotent) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from facepay import demo


class Command(BaseCommand):
    help = "Create the demo street: merchants, stores, terminals, staff, customers, history."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customers", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo.seed_street(customers=options["customers"])
        self.stdout.write(self.style.SUCCESS("Demo street ready. Logins (password for all: "
                                             f"{demo.DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.role:<17} {login.username:<20} {login.note}")
