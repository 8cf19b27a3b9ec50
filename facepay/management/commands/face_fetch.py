"""Fetch the configured face model pack from its registry and verify every sha256."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from facepay.face import pack
from facepay.face.config import get_config
from facepay.face.errors import FaceError


class Command(BaseCommand):
    help = "Download (if missing) and verify the face model pack. Idempotent; exit 1 on tamper."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--pack", help="manifest name or operator pack folder")
        parser.add_argument(
            "--repair", action="store_true", help="replace files whose sha256 is wrong"
        )
        parser.add_argument(
            "--init-operator-pack",
            type=Path,
            metavar="DIR",
            help="pin an operator insightface folder (writes DIR/pack.json); needs --license",
        )
        parser.add_argument("--license", help="licence of the operator pack, e.g. a contract id")
        parser.add_argument("--name", help="name of the operator pack (default: folder name)")

    def handle(self, *args: Any, **options: Any) -> None:
        config = get_config()
        folder: Path | None = options["init_operator_pack"]
        if folder is not None:
            if not options["license"]:
                raise CommandError("--init-operator-pack needs --license.")
            try:
                manifest = pack.describe_operator_pack(
                    folder, name=options["name"] or folder.name, license_name=options["license"]
                )
            except FaceError as exc:
                raise CommandError(f"[{exc.code}] {exc.message}") from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {manifest.manifest_path}: set FACEPAY_FACE_PACK={folder.resolve()} "
                    "and run face_eval --calibrate on it before use."
                )
            )
            return
        try:
            manifest = pack.load_manifest(options["pack"] or config.pack)
            pack.check_license(manifest, config=config)
            report = pack.fetch_pack(manifest, config=config, repair=options["repair"])
        except FaceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        for name in report.verified:
            state = "downloaded" if name in report.downloaded else "present"
            self.stdout.write(f"{name}: {state}, sha256 verified")
        self.stdout.write(
            self.style.SUCCESS(
                f"Pack {report.pack} ({manifest.license}) is ready in {report.directory}; "
                f"model version {manifest.model_version}."
            )
        )
