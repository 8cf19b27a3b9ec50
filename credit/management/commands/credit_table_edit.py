"""An operator replaces the expert points table with a JSON file: a new, audited version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from credit import services
from facepay.errors import FacePayError
from facepay.models import User


class Command(BaseCommand):
    help = "Activate a new expert points table version from a JSON file (operators only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("table", type=Path, help="JSON in the credit.scorecard table format")
        parser.add_argument("--operator", required=True, help="username of the operator")
        parser.add_argument("--note", required=True, help="why the table changes (audited)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["operator"]).first()
        if actor is None:
            raise CommandError("No such user.")
        try:
            table = json.loads(options["table"].read_text(encoding="utf-8"))
            model = services.score_model_revise(actor=actor, table=table, note=options["note"])
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read the table: {exc}") from exc
        except FacePayError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(self.style.SUCCESS(f"Active points table: {model.version}"))
