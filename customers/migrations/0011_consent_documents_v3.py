"""Version 3 of both consent texts: the recording is about one and a half seconds (12 frames at
7.5 fps), no longer about two; nothing else changed. Earlier versions stay published: a consent
given to any version remains valid (`consent_state` counts a "given" record of any version).

The texts are read from `customers.consent_texts` (one copy): a published version's text never
changes (its sha256 is in every consent record), a new wording is a new version there."""

import hashlib

from django.db import migrations

from customers.consent_texts import FACE_PAYMENT_TEXT_V3, TEMPLATE_STORAGE_TEXT_V3


def publish_v3(apps, schema_editor):
    ConsentDocument = apps.get_model("customers", "ConsentDocument")
    for purpose, title, text in [
        ("face_payment", "Consent to face payment", FACE_PAYMENT_TEXT_V3),
        (
            "template_storage",
            "Consent to central storage of the face template",
            TEMPLATE_STORAGE_TEXT_V3,
        ),
    ]:
        ConsentDocument.objects.get_or_create(
            purpose=purpose,
            version=3,
            defaults={
                "title": title,
                "text": text,
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            },
        )


def unpublish_v3(apps, schema_editor):
    ConsentDocument = apps.get_model("customers", "ConsentDocument")
    ConsentRecord = apps.get_model("customers", "ConsentRecord")
    # Only the texts nobody consented to (a record protects its document).
    used = ConsentRecord.objects.values_list("document_id", flat=True)
    ConsentDocument.objects.filter(version=3).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_consent_documents_v2")]

    operations = [migrations.RunPython(publish_v3, unpublish_v3)]
