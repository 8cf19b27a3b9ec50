"""Customers: the people who lend the street their face.

Biometric data lives only in `FaceTemplate.sealed_embedding`, encrypted under the customer's own
data key (`Customer.data_key_blob`, wrapped by a key-encryption key from the environment).
Destroying that wrapped key makes every template ever sealed under it unreadable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_PER_PAYMENT_LIMIT_MINOR = 50_000  # CNY 500
DEFAULT_DAILY_LIMIT_MINOR = 200_000  # CNY 2000
DEFAULT_STEP_UP_ABOVE_MINOR = 20_000  # CNY 200


class Customer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer"
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    guardian_name = models.CharField(max_length=100, blank=True)  # under-14s only
    guardian_consent_at = models.DateTimeField(null=True, blank=True)

    currency = models.CharField(max_length=3, default="CNY")  # ISO 4217 of the limits
    per_payment_limit_minor = models.BigIntegerField(default=DEFAULT_PER_PAYMENT_LIMIT_MINOR)
    daily_limit_minor = models.BigIntegerField(default=DEFAULT_DAILY_LIMIT_MINOR)
    step_up_above_minor = models.BigIntegerField(default=DEFAULT_STEP_UP_ABOVE_MINOR)
    # Opt-in: a match at or below this amount (and needing no step-up) is captured without a tap
    # on the counter screen. 0 = always confirm.
    confirm_free_up_to_minor = models.BigIntegerField(default=0)
    is_face_pay_enabled = models.BooleanField(default=True)  # the customer's own freeze switch
    is_lookalike_flagged = models.BooleanField(default=False)  # too close to another template
    # Too many wrong phone digits at terminals: face pay waits until the customer signs in and
    # resumes it (the customer's own switch above is untouched).
    face_pay_paused_at = models.DateTimeField(null=True, blank=True)

    # Per-customer data key, wrapped by the KEK named in data_key_id; empty = none / destroyed.
    data_key_id = models.CharField(max_length=64, blank=True)
    data_key_blob = models.BinaryField(null=True, blank=True)

    payment_pin_hash = models.CharField(max_length=256, blank=True)
    pin_failed_attempts = models.PositiveSmallIntegerField(default=0)
    pin_locked_until = models.DateTimeField(null=True, blank=True)

    closed_at = models.DateTimeField(null=True, blank=True)  # pseudonymised stub after closure

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(per_payment_limit_minor__gte=0)
                & models.Q(daily_limit_minor__gte=0)
                & models.Q(step_up_above_minor__gte=0),
                name="customer_limits_not_negative",
            ),
            # Skipping the tap never skips the phone digits.
            models.CheckConstraint(
                condition=models.Q(confirm_free_up_to_minor__gte=0)
                & models.Q(confirm_free_up_to_minor__lte=models.F("step_up_above_minor")),
                name="customer_confirm_free_within_step_up",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_phone_verified(self) -> bool:
        return self.phone_verified_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class PhoneVerification(models.Model):
    """One-time code sent to a phone number; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_verifications"
    )
    phone = models.CharField(max_length=20)  # E.164
    code_hash = models.CharField(max_length=64)  # HMAC-SHA256 hex of the code
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class ConsentDocument(models.Model):
    """A versioned consent text; records keep its sha256 so the text they agreed to is provable."""

    class Purpose(models.TextChoices):
        FACE_PAYMENT = "face_payment", _("Face payment (1:N identification at checkout)")
        TEMPLATE_STORAGE = "template_storage", _("Central storage of the face template")

    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)  # hex of the UTF-8 text
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consent document")
        verbose_name_plural = _("consent documents")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_document_version"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"


class ConsentRecord(models.Model):
    """Append-only: one row per give or withdraw; each hashes the previous one (per customer)."""

    class Action(models.TextChoices):
        GIVEN = "given", _("Given")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=32, choices=ConsentDocument.Purpose.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    document_sha256 = models.CharField(max_length=64)
    at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)  # "" for the first record
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose} {self.action} {self.at:%Y-%m-%d %H:%M}"


class FaceTemplate(models.Model):
    """The one face template of a customer (re-enrolment replaces it). Never exported."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="face_template"
    )
    # nonce + AES-GCM(customer data key, float32 little-endian vector), aad b"template:<customer>"
    sealed_embedding = models.BinaryField()
    key_id = models.CharField(max_length=64)  # KEK id that wrapped the data key at sealing time
    dimension = models.PositiveSmallIntegerField()
    pack_name = models.CharField(max_length=64)
    model_version = models.CharField(max_length=128)  # pack@embedder-hash: only same meets same
    quality = models.FloatField()  # 0..1: mean cosine of the frames to their mean
    frame_count = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("face template")
        verbose_name_plural = _("face templates")

    def __str__(self) -> str:
        return f"template of {self.customer_id} ({self.model_version})"


class EnrolmentChallenge(models.Model):
    """The liveness challenge of one camera enrolment: drawn by the server at random, bound to
    the customer, used once (a burst consumes it, live or not) and expiring. Holds no biometrics."""

    public_id = models.UUIDField(unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="enrolment_challenges"
    )
    challenge = models.CharField(max_length=16)  # one of facepay.face.burst.CHALLENGES
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=48, blank=True)  # "enrolled" or the refusal code

    class Meta:
        verbose_name = _("enrolment challenge")
        verbose_name_plural = _("enrolment challenges")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.challenge} {self.issued_at:%Y-%m-%d %H:%M}"


class GalleryState(models.Model):
    """Singleton version counter: bumped under a row lock by every gallery change."""

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("gallery state")
        verbose_name_plural = _("gallery states")

    def __str__(self) -> str:
        return f"gallery v{self.version}"


class GalleryChange(models.Model):
    """Customer `customer_id`'s template changed at `version`: processes refresh that key."""

    version = models.BigIntegerField(unique=True)
    customer_id = models.BigIntegerField()  # plain id: the customer may be gone
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gallery change")
        verbose_name_plural = _("gallery changes")

    def __str__(self) -> str:
        return f"v{self.version} customer {self.customer_id}"


class FaceUse(models.Model):
    """Every identification that touched this customer: the "who used my face" log."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="face_uses")
    terminal_id = models.BigIntegerField()
    store_id = models.BigIntegerField()
    attempt_id = models.BigIntegerField()
    outcome = models.CharField(max_length=32)  # e.g. match, ambiguous, confirmed, declined
    similarity = models.FloatField(null=True, blank=True)
    is_step_up_used = models.BooleanField(default=False)
    # The payment's facts, for the customer's log (issue 12/15): amount, the liveness challenge
    # drawn for the attempt, and the refusal code of a refused use (liveness reason, limit, ...).
    amount_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    liveness_challenge = models.CharField(max_length=16, blank=True)
    decline_code = models.CharField(max_length=48, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("face use")
        verbose_name_plural = _("face uses")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "attempt_id", "outcome"], name="face_use_once_per_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} attempt {self.attempt_id} {self.outcome}"


class BiometricDeletion(models.Model):
    """Receipt of a biometric deletion: when, why, which key was destroyed. Holds no biometrics."""

    class Reason(models.TextChoices):
        CUSTOMER_REQUEST = "customer_request", _("Deleted at your request")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        RETENTION = "retention", _("Unused for the retention period")
        ACCOUNT_CLOSED = "account_closed", _("Account closed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="deletions")
    reason = models.CharField(max_length=32, choices=Reason.choices)
    destroyed_key_id = models.CharField(max_length=64, blank=True)
    template_created_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField()
    receipt_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("biometric deletion")
        verbose_name_plural = _("biometric deletions")
        ordering = ["-deleted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.reason} {self.deleted_at:%Y-%m-%d %H:%M}"


class PaymentCode(models.Model):
    """A one-time payment code (6 digits, short-lived); only its HMAC is stored."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payment_codes")
    code_hash = models.CharField(max_length=64, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment code")
        verbose_name_plural = _("payment codes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"code of {self.customer_id} until {self.expires_at:%H:%M:%S}"
