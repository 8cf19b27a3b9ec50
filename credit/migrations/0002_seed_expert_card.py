"""Seed the default expert points table as version expert-1, active."""

from django.db import migrations

import json

# Frozen copy of credit.scorecard.DEFAULT_TABLE as shipped (later edits are new versions).
DEFAULT_TABLE = json.loads(
    '''{"base_points": 300, "tiers": [["A", 780], ["B", 700], ["C", 620], ["D", 540], ["E", 300]], "minimum_activity": {"history_days": 60, "active_days": 8, "payments": 30}, "features": {"revenue_level": {"bins": [{"upper": 500000, "points": 0}, {"upper": 2000000, "points": 20}, {"upper": 6000000, "points": 40}, {"upper": 15000000, "points": 55}, {"upper": null, "points": 65}], "missing_points": 0}, "growth_3m": {"bins": [{"upper": -0.2, "points": 0}, {"upper": -0.05, "points": 15}, {"upper": 0.05, "points": 30}, {"upper": 0.2, "points": 40}, {"upper": null, "points": 45}], "missing_points": 20}, "growth_6m": {"bins": [{"upper": -0.2, "points": 0}, {"upper": -0.05, "points": 12}, {"upper": 0.05, "points": 24}, {"upper": 0.2, "points": 32}, {"upper": null, "points": 35}], "missing_points": 15}, "volatility": {"bins": [{"upper": 0.35, "points": 65}, {"upper": 0.6, "points": 45}, {"upper": 0.9, "points": 25}, {"upper": 1.3, "points": 10}, {"upper": null, "points": 0}], "missing_points": 0}, "active_days": {"bins": [{"upper": 10, "points": 0}, {"upper": 18, "points": 20}, {"upper": 24, "points": 40}, {"upper": null, "points": 55}], "missing_points": 0}, "unique_customers": {"bins": [{"upper": 10, "points": 0}, {"upper": 30, "points": 20}, {"upper": 80, "points": 35}, {"upper": null, "points": 45}], "missing_points": 0}, "repeat_share": {"bins": [{"upper": 0.1, "points": 0}, {"upper": 0.25, "points": 20}, {"upper": 0.4, "points": 40}, {"upper": null, "points": 55}], "missing_points": 0}, "average_ticket": {"bins": [{"upper": 1500, "points": 5}, {"upper": 4000, "points": 15}, {"upper": 10000, "points": 22}, {"upper": null, "points": 25}], "missing_points": 0}, "refund_rate": {"bins": [{"upper": 0.01, "points": 75}, {"upper": 0.03, "points": 55}, {"upper": 0.06, "points": 30}, {"upper": 0.1, "points": 10}, {"upper": null, "points": 0}], "missing_points": 0}, "dispute_rate": {"bins": [{"upper": 0.001, "points": 50}, {"upper": 0.005, "points": 35}, {"upper": 0.01, "points": 15}, {"upper": null, "points": 0}], "missing_points": 0}, "tenure": {"bins": [{"upper": 90, "points": 5}, {"upper": 180, "points": 15}, {"upper": 365, "points": 25}, {"upper": 730, "points": 35}, {"upper": null, "points": 40}], "missing_points": 0}, "settlement_regularity": {"bins": [{"upper": 0.5, "points": 0}, {"upper": 0.8, "points": 15}, {"upper": 0.95, "points": 35}, {"upper": null, "points": 45}], "missing_points": 20}}}'''
)


def seed(apps, schema_editor):
    ScoreModel = apps.get_model("credit", "ScoreModel")
    if not ScoreModel.objects.filter(version="expert-1").exists():
        ScoreModel.objects.create(
            version="expert-1",
            kind="expert",
            status="active" if not ScoreModel.objects.filter(status="active").exists() else "retired",
            table=DEFAULT_TABLE,
            note="Default expert card shipped with FacePay Street.",
        )


def unseed(apps, schema_editor):
    apps.get_model("credit", "ScoreModel").objects.filter(version="expert-1", scores=None).delete()


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
