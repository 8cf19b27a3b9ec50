"""POST /api/face/check: live feedback for the enrolment page (faces, quality, liveness, code)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from facepay.face import errors, intake
from facepay.face.config import get_config
from facepay.face.engine import get_engine


class RawImageParser(BaseParser):
    """A raw JPEG/PNG/WebP body; bytes are read up to the configured limit plus one."""

    media_type = "image/*"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, bytes]:
        limit = get_config().max_image_bytes
        return {"raw": stream.read(limit + 1) if stream is not None else b""}


class FaceCheckOutput(serializers.Serializer):
    faces = serializers.ListField(child=serializers.DictField())
    probe_error = serializers.DictField(allow_null=True)
    is_ready = serializers.BooleanField()
    model_version = serializers.CharField()


def _upload_bytes(request: Request, *, max_bytes: int) -> bytes:
    upload = request.FILES.get("image")
    if upload is not None:
        if upload.size is not None and upload.size > max_bytes:
            raise errors.ImageTooLarge(
                _("The image file is too large."), size_bytes=upload.size, max_bytes=max_bytes
            )
        return bytes(upload.read(max_bytes + 1))
    raw = request.data.get("raw") if hasattr(request.data, "get") else None
    if isinstance(raw, bytes | bytearray) and raw:
        return bytes(raw)
    raise errors.ImageUnreadable(_("Send the image as multipart field `image` or as the raw body."))


class FaceCheckApi(APIView):
    """Analyse one camera frame: every face with quality and liveness, plus the probe verdict."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "face_check"
    parser_classes = [MultiPartParser, RawImageParser]

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT, "image/*": OpenApiTypes.BINARY},
        responses=FaceCheckOutput,
    )
    def post(self, request: Request) -> Response:
        config = get_config()
        data = _upload_bytes(request, max_bytes=config.max_image_bytes)
        image = intake.decode_image(
            data, max_bytes=config.max_image_bytes, max_pixels=config.max_image_pixels
        )
        engine = get_engine()
        faces = engine.analyze(image, with_embedding=False)
        probe_error = None
        try:
            engine.probe(image)
        except errors.FaceError as exc:
            if isinstance(exc, errors.ModelPackMissing | errors.ModelPackTampered):
                raise
            probe_error = {"code": exc.code, "message": exc.message, "extra": exc.extra}
        payload = {
            "faces": [face.summary() for face in faces],
            "probe_error": probe_error,
            "is_ready": probe_error is None,
            "model_version": engine.model_version,
        }
        return Response(FaceCheckOutput(payload).data)
