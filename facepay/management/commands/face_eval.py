"""Measure the face engine on labelled photos; optionally write the calibrated thresholds."""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from facepay.face import burst, evaluation, liveness_eval, pack, published
from facepay.face.config import get_config
from facepay.face.errors import FaceError


def _label(path: Path, faces_dir: Path) -> str:
    """A path as FACEPAY_FACES_DIR/... when it lies there (calibration sources are committed)."""
    try:
        return f"FACEPAY_FACES_DIR/{path.resolve().relative_to(faces_dir.resolve())}"
    except ValueError:
        return str(path)


FLAGS = {"verification": "--pairs", "identification": "--identify", "liveness": "--liveness"}


def timezone_today() -> str:
    return timezone.localdate().isoformat()


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
            "--liveness",
            type=Path,
            metavar="KIT_DIR",
            help="burst liveness on a kit made by bench/liveness_kit.py (APCER, BPCER)",
        )
        parser.add_argument(
            "--calibrate", action="store_true", help="write thresholds into the pack manifest"
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="write the figures of this run to the pack's public report (accuracy page)",
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
        if not (options["pairs"] or options["identify"] or options["spoof"] or options["liveness"]):
            raise CommandError("Give --pairs, --identify, --spoof and/or --liveness.")
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
        if options["liveness"]:
            out["liveness"] = self._liveness(
                options["liveness"].resolve(),
                manifest=manifest,
                config=config,
                workers=workers or 1,
                calibrate=options["calibrate"],
            )
        if options["calibrate"] and (options["pairs"] or options["identify"] or options["spoof"]):
            proposals.append(evaluation.DEPTH_PRIOR)
            values = {k: v for item in proposals for k, v in item.values.items()}
            sources = {k: v for item in proposals for k, v in item.sources.items()}
            pack.write_calibration(manifest, values=values, sources=sources)
            out["calibration"] = values
            self.stdout.write(f"Calibration written to {manifest.manifest_path}:")
            for name, value in sorted(values.items()):
                self.stdout.write(f"  {name:24} {value:.4f}")
        if options["publish"]:
            self._publish(manifest, out, options=options, root=root, config=config)
        out["seconds"] = round(time.perf_counter() - started, 1)
        self.stdout.write(f"Done in {out['seconds']} s.")
        if options["json_out"]:
            options["json_out"].write_text(json.dumps(out, indent=2) + "\n")

    def _publish(
        self,
        manifest: pack.PackManifest,
        out: dict[str, Any],
        *,
        options: dict[str, Any],
        root: Path,
        config: Any,
    ) -> None:
        measured_at = timezone.localtime().isoformat(timespec="minutes")
        sections: list[tuple[str, dict[str, Any], str]] = []
        if options["pairs"]:
            keys = ("pairs", "auc", "eer", "tar_at_far_1e-3", "lfw_official_folds_accuracy")
            sections.append(
                (
                    "verification",
                    {key: out.get(key) for key in keys},
                    # The pairs file names images under the root beside it.
                    _label(options["pairs"].resolve(), config.faces_dir),
                )
            )
        if options["identify"]:
            sections.append(("identification", out["identify"], _label(root, config.faces_dir)))
        if options["liveness"]:
            report = out["liveness"]
            figures = {
                "species": report["species"],
                "attack_non_response_rate": report["attack_non_response_rate"],
                "seconds_per_burst": report["seconds_per_burst"],
                "challenges": list(burst.CHALLENGES),
                "kit": {key: report["kit"][key] for key in ("kit_version", "seed", "per_species")},
                "leave_one_person_out": {
                    key: report["leave_one_person_out"][key]
                    for key in ("people", "live", "bpcer", "worst_fold_accepted")
                }
                | {"refused": len(report["leave_one_person_out"]["refused"])},
            }
            kit = report["kit"]
            data = (
                f"attack kit v{kit['kit_version']} (bench/liveness_kit.py, seed {kit['seed']}, "
                f"{kit['per_species']} per species) and FACEPAY_FACES_DIR/liveness-dev"
            )
            sections.append(("liveness", figures, data))
        for section, figures, data in sections:
            path = published.publish(
                manifest.name,
                section=section,
                figures=figures,
                data=data,
                measured_at=measured_at,
                command=f"manage.py face_eval {FLAGS[section]}",
            )
            self.stdout.write(f"Published {section} figures to {path}")

    def _liveness(
        self,
        kit_dir: Path,
        *,
        manifest: pack.PackManifest,
        config: Any,
        workers: int,
        calibrate: bool,
    ) -> dict[str, Any]:
        if not (kit_dir / "manifest.csv").is_file():
            raise CommandError(f"{kit_dir} has no manifest.csv: run bench/liveness_kit.py.")
        rows = liveness_eval.read_kit(kit_dir)
        measured = liveness_eval.measure_kit(
            kit_dir, rows, manifest=manifest, config=config, workers=workers
        )
        thresholds = burst.load_thresholds(manifest.name)
        if calibrate:
            kit = json.loads((kit_dir / "kit.json").read_text())
            source = (
                f"face_eval --liveness on kit v{kit['kit_version']} seed {kit['seed']} "
                f"({len(rows)} bursts, {timezone_today()})"
            )
            thresholds = liveness_eval.propose_thresholds(measured, thresholds, source=source)
            path = burst.write_thresholds(manifest.name, thresholds)
            self.stdout.write(f"Burst liveness thresholds written to {path}")
        outcomes = liveness_eval.decide_all(measured, thresholds)
        report = liveness_eval.report_json(outcomes, measured, thresholds)
        held_out = liveness_eval.leave_one_person_out(measured, thresholds)
        report["leave_one_person_out"] = {
            "people": held_out.people,
            "live": held_out.live,
            "refused": held_out.refused,
            "bpcer": round(len(held_out.refused) / max(held_out.live, 1), 4),
            "worst_fold_accepted": held_out.worst_fold_accepted,
        }
        report["kit"] = json.loads((kit_dir / "kit.json").read_text())
        report["kit_dir"] = _label(kit_dir, config.faces_dir)
        self._print_liveness(report)
        return report

    def _print_liveness(self, report: dict[str, Any]) -> None:
        self.stdout.write("Burst liveness (ISO/IEC 30107-3):")
        header = f"  {'species':28} {'n':>5} {'ids':>4} {'accepted':>8} {'rate':>16}  reasons"
        self.stdout.write(header)
        for name, item in report["species"].items():
            if name.endswith("_no_challenge"):
                label = f"accepted {100 * item['rate']:.2f} %"
            elif name.startswith("live"):
                label = f"BPCER {100 * item['rate']:.2f} %"
            else:
                label = f"APCER {100 * item['rate']:.2f} %"
            reasons = ", ".join(f"{key} {value}" for key, value in item["reasons"].items())
            asked = " ".join(
                f"{name} {counts[1]}/{counts[0]}" for name, counts in item["by_challenge"].items()
            )
            self.stdout.write(
                f"  {name:28} {item['presentations']:>5} {item['identities']:>4} "
                f"{item['accepted']:>8} {label:>16}  {reasons}"
            )
            self.stdout.write(f"  {'':28} accepted/asked per challenge: {asked}")
        held_out = report["leave_one_person_out"]
        refused = ", ".join(f"{key} ({value})" for key, value in held_out["refused"].items())
        self.stdout.write(
            f"  leave-one-person-out ({held_out['people']} people; each person's clips decided by"
            f" limits calibrated without them): BPCER {100 * held_out['bpcer']:.2f} %"
            f" ({len(held_out['refused'])} of {held_out['live']}"
            f"{': ' + refused if refused else ''});"
            f" most attacks accepted in one fold: "
            + ", ".join(f"{key} {value}" for key, value in held_out["worst_fold_accepted"].items())
        )
        self.stdout.write(
            f"  attack non-response rate {100 * report['attack_non_response_rate']:.2f} %; "
            f"engine time per burst mean {report['seconds_per_burst']['mean']} s, "
            f"p95 {report['seconds_per_burst']['p95']} s"
        )

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
