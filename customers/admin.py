"""Operator screens: read-only views of customers and their consent; new consent versions.

Nothing here shows or edits a face template's contents; changes go through customers.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from customers import services
from customers.models import (
    BiometricDeletion,
    ConsentDocument,
    ConsentRecord,
    Customer,
    FaceTemplate,
    FaceUse,
)
from facepay.admin_base import ReadOnlyAdmin


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "user",
        "phone_verified_at",
        "is_face_pay_enabled",
        "is_lookalike_flagged",
        "closed_at",
        "created_at",
    ]
    list_filter = ["is_face_pay_enabled", "is_lookalike_flagged"]
    search_fields = ["user__username", "user__phone", "user__display_name"]
    exclude = ["data_key_blob", "payment_pin_hash"]


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    """Publishing a new version is adding a row; a published text is never edited."""

    list_display = ["purpose", "version", "title", "sha256", "published_at"]
    readonly_fields = ["version", "sha256", "published_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            return ["purpose", "version", "title", "text", "sha256", "published_at"]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ConsentDocument, form: Any, change: bool
    ) -> None:
        if not change:  # a new version; its number follows the last one of the purpose
            published = services.consent_document_publish(
                purpose=obj.purpose, title=obj.title, text=obj.text
            )
            obj.pk, obj.version, obj.sha256 = published.pk, published.version, published.sha256


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["customer", "purpose", "action", "at", "record_hash"]
    list_filter = ["purpose", "action"]


@admin.register(FaceTemplate)
class FaceTemplateAdmin(ReadOnlyAdmin):
    list_display = [
        "customer",
        "model_version",
        "quality",
        "frame_count",
        "created_at",
        "last_used_at",
    ]
    exclude = ["sealed_embedding"]


@admin.register(FaceUse)
class FaceUseAdmin(ReadOnlyAdmin):
    list_display = ["customer", "store_id", "terminal_id", "attempt_id", "outcome", "at"]
    list_filter = ["outcome"]


@admin.register(BiometricDeletion)
class BiometricDeletionAdmin(ReadOnlyAdmin):
    list_display = ["customer", "reason", "deleted_at", "receipt_hash"]
    list_filter = ["reason"]
