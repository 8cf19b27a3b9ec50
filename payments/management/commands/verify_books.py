"""Check every ledger invariant; exits non-zero when one is broken (also run nightly by beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments import ledger


class Command(BaseCommand):
    help = (
        "Verify the books: balanced entries, balances = Σ postings, no negative wallet, payables."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger.verify_books()
        if not report.is_consistent:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(report.problems)} problem(s) in the books")
        self.stdout.write(
            self.style.SUCCESS(
                f"Books consistent: {report.entries} entries over {report.accounts} accounts."
            )
        )
