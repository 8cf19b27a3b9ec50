"""Enrolment and the customer's template."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from customers import services
from customers.api.base import (
    CustomerApi,
    DeletionOutput,
    TemplateOutput,
    client_ip,
    template_payload,
)
from customers.models import BiometricDeletion
from facepay.face import errors as face_errors
from facepay.face.config import get_config
from facepay.permissions import AuthenticatedRequest


class FaceEnrolApi(CustomerApi):
    """Enrol (or re-enrol) from 1–3 photos in multipart field `images`; photos are not kept."""

    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "face_check"

    @extend_schema(request={"multipart/form-data": OpenApiTypes.OBJECT}, responses=TemplateOutput)
    def post(self, request: AuthenticatedRequest) -> Response:
        customer = self.customer(request)
        uploads = request.FILES.getlist("images")
        limit = get_config().max_image_bytes
        images = []
        for number, upload in enumerate(uploads, start=1):
            if upload.size is not None and upload.size > limit:
                raise face_errors.ImageTooLarge(
                    _("The image file is too large."),
                    size_bytes=upload.size,
                    max_bytes=limit,
                    frame=number,
                )
            images.append(bytes(upload.read(limit + 1)))
        services.face_enrol(customer=customer, images=images, ip_address=client_ip(request))
        customer.refresh_from_db()
        return Response(TemplateOutput(template_payload(customer)).data)


class FaceTemplateApi(CustomerApi):
    """GET: enrolment status (never the template). DELETE: delete biometric data, with receipt."""

    @extend_schema(responses=TemplateOutput)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(TemplateOutput(template_payload(self.customer(request))).data)

    @extend_schema(responses=DeletionOutput)
    def delete(self, request: AuthenticatedRequest) -> Response:
        receipt = services.face_biometrics_delete(
            customer=self.customer(request), reason=BiometricDeletion.Reason.CUSTOMER_REQUEST
        )
        return Response(DeletionOutput(receipt).data)
