"""Operator screens: read-only views of credit rows (changes go through credit.services)."""

from __future__ import annotations

from django.contrib import admin

from credit.models import CreditScore, OutcomeUpload, ScoreContest, ScoreModel, ScoreOverride
from facepay.admin_base import ReadOnlyAdmin


@admin.register(ScoreModel)
class ScoreModelAdmin(ReadOnlyAdmin):
    list_display = ["version", "kind", "status", "created_at", "activated_at"]
    list_filter = ["kind", "status"]


@admin.register(CreditScore)
class CreditScoreAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "period_start", "score", "tier", "status", "model", "computed_at"]
    list_filter = ["status", "tier", "trigger"]


@admin.register(ScoreOverride)
class ScoreOverrideAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "new_tier", "status", "requested_by", "decided_by", "requested_at"]
    list_filter = ["status"]


@admin.register(ScoreContest)
class ScoreContestAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "status", "requested_at", "resolved_by"]


@admin.register(OutcomeUpload)
class OutcomeUploadAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "row_count", "default_count", "uploaded_by", "uploaded_at"]
