"""Output serializers shared by the merchant API and pages."""

from __future__ import annotations

from rest_framework import serializers

from merchants.models import Merchant, Store, Terminal


class MerchantSummaryOutput(serializers.ModelSerializer):
    class Meta:
        model = Merchant
        fields = ["id", "name", "trade", "address", "status"]


class StoreOutput(serializers.ModelSerializer):
    merchant_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Store
        fields = ["id", "merchant_id", "name", "address", "created_at"]


class TerminalOutput(serializers.ModelSerializer):
    store_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Terminal
        fields = [
            "id",
            "store_id",
            "name",
            "key_id",
            "status",
            "created_at",
            "secret_issued_at",
            "revoked_at",
            "last_seen_at",
        ]


class TerminalWhereaboutsOutput(serializers.Serializer):
    """What a signed terminal learns about itself: where it stands."""

    terminal = TerminalOutput()
    store = StoreOutput()
    merchant = MerchantSummaryOutput()
