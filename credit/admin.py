"""Operator screens: read-only views of credit rows (changes go through credit.services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from credit.models import CreditScore, OutcomeUpload, ScoreContest, ScoreModel, ScoreOverride


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
