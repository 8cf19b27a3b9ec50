"""Measure the face engine on labelled photos; optionally write the calibrated thresholds."""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from facepay.face import evaluation, pack
from facepay.face.config import get_config
from facepay.face.errors import FaceError


def _label(path: Path, faces_dir: Path) -> str:
    """A path as FACEPAY_FACES_DIR/... when it lies there (calibration sources are committed)."""
    try:
        return f"FACEPAY_FACES_DIR/{path.resolve().relative_to(faces_dir.resolve())}"
    except ValueError:
        return str(path)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f} %"


class Command(BaseCommand):
    help = "Face verification, identification and spoof metrics on a labelled photo folder."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--root", type=Path, help="photo folder (default: FACES_DIR/dev)")
        parser.add_argument("--pairs", type=Path, help="pairs CSV: file_a,file_b,same")
        parser.add_argument("--json", type=Path, dest="json_out", help="write the numbers here")
        parser.add_argument("--identify", action="store_true", help="open-set 1:N report")
        parser.add_argument("--spoof", type=Path, help="spoof labels CSV: file,label")
        parser.add_argument(
            "--calibrate", action="store_true", help="write thresholds into the pack manifest"
        )
        parser.add_argument("--pack", help="manifest name or operator pack folder")
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--no-flip", action="store_true", help="no test-time flip")
        parser.add_argument(
            "--fusion-study",
            action="store_true",
            help="with --pairs on a fused pack: each embedder alone, z-score fusion on every "
            "pair, the second only when the first is unsure (--calibrate writes the weights)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = get_config()
        try:
            manifest = pack.load_manifest(options["pack"] or config.pack)
            pack.verify_pack(manifest, config=config)
        except FaceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        root: Path = (options["root"] or config.faces_dir / "dev").resolve()
        use_flip = not options["no_flip"]
        workers = options["workers"]
        started = time.perf_counter()
        out: dict[str, Any] = {
            "pack": manifest.name,
            "model_version": manifest.model_version,
            "flip": use_flip,
            "root": str(root),
        }
        proposals: list[evaluation.CalibrationProposal] = []
        if not (options["pairs"] or options["identify"] or options["spoof"]):
            raise CommandError("Give --pairs, --identify and/or --spoof.")
        embed = {"manifest": manifest, "config": config, "use_flip": use_flip, "workers": workers}
        if options["pairs"]:
            pairs = evaluation.read_pairs(options["pairs"])
            names = sorted({name for a, b, _ in pairs for name in (a, b)})
            embedded = evaluation.embed_files(root, names, **embed)
            report = evaluation.verification_report(pairs, embedded)
            self._print_verification(report)
            out.update(self._verification_json(report))
            if options["fusion_study"]:
                out["fusion_study"] = self._fusion_study(
                    manifest, pairs, embedded, calibrate=options["calibrate"]
                )
        if options["identify"]:
            names = evaluation.list_images(root)
            embedded = evaluation.embed_files(root, names, **embed)
            split = evaluation.identification_split(names)
            identify = evaluation.identification_report(split, embedded)
            self._print_identification(identify)
            out["identify"] = self._identification_json(identify)
            if options["calibrate"]:
                source = f"face_eval --identify on {_label(root, config.faces_dir)}"
                proposals.append(evaluation.propose_quality_gates(embedded, source=source))
                proposals.append(
                    evaluation.propose_match_rule(split, embedded, fpir=1e-3, source=source)
                )
                bands = evaluation.propose_bands(split, embedded, source=source)
                proposals.append(bands)
                values = bands.values
            elif manifest.calibration is not None and manifest.calibration.accept_threshold:
                calibration = manifest.calibration
                accept_threshold, accept_margin, step_up_threshold = calibration.bands
                values = {
                    "accept_threshold": accept_threshold,
                    "accept_margin": accept_margin,
                    "step_up_threshold": step_up_threshold,
                    "step_up_top_k": calibration.step_up_top_k,
                }
            else:
                values = None
            if values is not None:
                shares = evaluation.band_shares(
                    split,
                    embedded,
                    accept_threshold=values["accept_threshold"],
                    accept_margin=values["accept_margin"],
                    step_up_threshold=values["step_up_threshold"],
                    top_k=int(values["step_up_top_k"]),
                )
                self._print_bands(values, shares)
                out["bands"] = {**values, **asdict(shares)}
        if options["spoof"]:
            labels_path: Path = options["spoof"].resolve()
            samples = evaluation.read_spoof_labels(labels_path)
            embedded = evaluation.embed_files(
                labels_path.parent, [name for name, _, _ in samples], **embed
            )
            proposal = evaluation.propose_liveness(
                samples, embedded, source=_label(labels_path, config.faces_dir)
            )
            if options["calibrate"]:
                proposals.append(proposal)
            threshold = (
                proposal.values["liveness_threshold"]
                if options["calibrate"] or manifest.calibration is None
                else manifest.calibration.liveness_threshold
            )
            spoof = evaluation.spoof_report(samples, embedded, threshold=threshold)
            self._print_spoof(spoof)
            out["spoof"] = {
                "samples": spoof.samples,
                "detect_failures": spoof.detect_failures,
                **asdict(spoof.at_threshold),
                "per_attack": {name: asdict(item) for name, item in spoof.per_attack.items()},
                "per_source": {name: asdict(item) for name, item in spoof.per_source.items()},
            }
        if options["calibrate"]:
            proposals.append(evaluation.DEPTH_PRIOR)
            values = {k: v for item in proposals for k, v in item.values.items()}
            sources = {k: v for item in proposals for k, v in item.sources.items()}
            pack.write_calibration(manifest, values=values, sources=sources)
            out["calibration"] = values
            self.stdout.write(f"Calibration written to {manifest.manifest_path}:")
            for name, value in sorted(values.items()):
                self.stdout.write(f"  {name:24} {value:.4f}")
        out["seconds"] = round(time.perf_counter() - started, 1)
        self.stdout.write(f"Done in {out['seconds']} s.")
        if options["json_out"]:
            options["json_out"].write_text(json.dumps(out, indent=2) + "\n")

    def _print_verification(self, report: evaluation.VerificationReport) -> None:
        rows = [
            ("pairs", f"{report.pairs}"),
            ("images", f"{report.images}"),
            (
                "detect failures",
                f"{report.detect_failures} ({_percent(report.detect_failure_rate)})",
            ),
            ("ROC AUC", f"{report.auc:.5f}"),
            ("EER", f"{_percent(report.eer)} at cos {report.eer_threshold:.4f}"),
            (
                "best accuracy",
                f"{_percent(report.best_accuracy)} at cos {report.best_accuracy_threshold:.4f}",
            ),
        ]
        rows += [
            (
                f"TAR @ FAR {point.far_target:g}",
                f"{_percent(point.tar)} at cos {point.threshold:.4f} (FAR {point.far:.5f})",
            )
            for point in report.operating_points
        ]
        rows.append(
            (
                "10-fold CV accuracy",
                f"{_percent(report.kfold_accuracy)} +- {_percent(report.kfold_std)} "
                "(all pairs, round-robin folds)",
            )
        )
        rows.append(
            (
                f"LFW official folds ({report.lfw_official_folds})",
                f"{_percent(report.lfw_official_accuracy)} +- "
                f"{_percent(report.lfw_official_std)} (leave-one-fold-out)",
            )
        )
        self._table("Verification", rows)

    def _verification_json(self, report: evaluation.VerificationReport) -> dict[str, Any]:
        points = {f"{point.far_target:g}": point for point in report.operating_points}
        return {
            "pairs": report.pairs,
            "images": report.images,
            "detect_failures": report.detect_failures,
            "detect_failure_rate": report.detect_failure_rate,
            "auc": report.auc,
            "eer": report.eer,
            "eer_threshold": report.eer_threshold,
            "best_accuracy": report.best_accuracy,
            "best_accuracy_threshold": report.best_accuracy_threshold,
            "tar_at_far_1e-2": points["0.01"].tar,
            "threshold_at_far_1e-2": points["0.01"].threshold,
            "tar_at_far_1e-3": points["0.001"].tar,
            "threshold_at_far_1e-3": points["0.001"].threshold,
            "tar_at_far_0": points["0"].tar,
            "threshold_at_far_0": points["0"].threshold,
            # pairs.csv holds 4 official LFW folds, not 10: this is 10-fold CV over all pairs.
            "lfw_10fold_accuracy": report.kfold_accuracy,
            "lfw_10fold_note": "10-fold cross-validation over all given pairs (round-robin)",
            "lfw_official_folds": report.lfw_official_folds,
            "lfw_official_folds_accuracy": report.lfw_official_accuracy,
        }

    def _print_identification(self, report: evaluation.IdentificationReport) -> None:
        result = report.result
        rows = [
            ("gallery", f"{result.gallery_size} (faceless left out: {report.gallery_failures})"),
            ("enrolled probes", f"{result.enrolled_probes}"),
            ("non-enrolled probes", f"{result.non_enrolled_probes}"),
            ("probes without a face", f"{report.probe_failures}"),
            ("rank-1", _percent(result.rank1)),
        ]
        rows += [
            (f"FNIR @ FPIR {fpir:g}", f"{_percent(fnir)} at cos {threshold:.4f}")
            for fpir, (fnir, threshold) in result.fnir_at_fpir.items()
        ]
        self._table("Identification (open set)", rows)

    def _identification_json(self, report: evaluation.IdentificationReport) -> dict[str, Any]:
        result = report.result
        return {
            "gallery_size": result.gallery_size,
            "enrolled_probes": result.enrolled_probes,
            "non_enrolled_probes": result.non_enrolled_probes,
            "probe_failures": report.probe_failures,
            "rank1": result.rank1,
            **{f"fnir_at_fpir_{fpir:g}": fnir for fpir, (fnir, _) in result.fnir_at_fpir.items()},
            **{
                f"threshold_at_fpir_{fpir:g}": threshold
                for fpir, (_, threshold) in result.fnir_at_fpir.items()
            },
        }

    def _print_spoof(self, report: evaluation.SpoofReport) -> None:
        result = report.at_threshold
        rows = [
            ("samples", f"{report.samples} (no face found: {report.detect_failures})"),
            ("threshold p(live)", f"{result.threshold:.4f}"),
            ("APCER", _percent(result.apcer)),
            ("BPCER", _percent(result.bpcer)),
            ("ROC AUC", f"{result.auc:.4f}"),
        ]
        for name, item in report.per_attack.items():
            rows.append((f"attack {name}", f"APCER {_percent(item.apcer)}, AUC {item.auc:.4f}"))
        for name, item in report.per_source.items():
            rows.append(
                (
                    f"source {name}",
                    f"APCER {_percent(item.apcer)}, BPCER {_percent(item.bpcer)}, "
                    f"AUC {item.auc:.4f}",
                )
            )
        self._table("Presentation attacks (passive liveness)", rows)

    def _fusion_study(
        self,
        manifest: pack.PackManifest,
        pairs: list[tuple[str, str, int]],
        embedded: evaluation.EmbeddedSet,
        *,
        calibrate: bool,
    ) -> list[dict[str, Any]]:
        if "embedder_secondary" not in manifest.files:
            raise CommandError("--fusion-study needs a pack with an embedder_secondary.")
        dimension = int(manifest.files["embedder"].input.get("dimension", 512))
        first, second = evaluation.split_fused(embedded, first_dimension=dimension)
        rows = evaluation.fusion_study(pairs, first, second)
        self._table(
            "Fusion study (LFW-protocol accuracy, best accuracy, TAR @ FAR 1e-3, 2nd model runs)",
            [
                (
                    row.name,
                    f"{_percent(row.lfw_official_accuracy)}, {_percent(row.best_accuracy)}, "
                    f"{_percent(row.tar_at_far_1e3)}, "
                    f"on {_percent(row.second_model_share)} of pairs",
                )
                for row in rows
            ],
        )
        if calibrate:
            _, sd_first = evaluation.z_parameters(evaluation.pair_scores(pairs, first))
            _, sd_second = evaluation.z_parameters(evaluation.pair_scores(pairs, second))
            weights = [1 / sd_first / (1 / sd_first + 1 / sd_second)]
            weights.append(1 - weights[0])
            data = json.loads(manifest.manifest_path.read_text())
            data["files"]["embedder_secondary"]["input"]["fusion_weights"] = weights
            manifest.manifest_path.write_text(json.dumps(data, indent=2) + "\n")
            self.stdout.write(f"Fusion weights written: {weights[0]:.4f}, {weights[1]:.4f}")
        return [asdict(row) for row in rows]

    def _print_bands(self, values: dict[str, float], shares: evaluation.BandShares) -> None:
        rows = [
            (
                "bands",
                f"accept >= {values['accept_threshold']:.4f} with margin "
                f"{values['accept_margin']:.4f}; step-up >= {values['step_up_threshold']:.4f} "
                f"among the top {int(values['step_up_top_k'])}",
            ),
            ("enrolled probes", f"{shares.enrolled}"),
            ("  accepted without digits", _percent(shares.accepted_no_digits)),
            ("  accepted with digits", _percent(shares.accepted_with_digits)),
            ("  declined", _percent(shares.declined)),
            ("  accepted as someone else", _percent(shares.wrong_person_accepted)),
            ("non-enrolled probes", f"{shares.non_enrolled}"),
            ("  confirm screen, no digits", _percent(shares.stranger_confirm_no_digits)),
            (
                "  confirm screen, random guess",
                f"{shares.stranger_confirm_random_guess:.2e}",
            ),
            ("  asked for digits", _percent(shares.stranger_step_up)),
        ]
        self._table("Three-band decision (gallery below its limit)", rows)

    def _table(self, title: str, rows: list[tuple[str, str]]) -> None:
        width = max(len(name) for name, _ in rows)
        self.stdout.write(self.style.MIGRATE_HEADING(title))
        for name, value in rows:
            self.stdout.write(f"  {name:<{width}}  {value}")
