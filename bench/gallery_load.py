"""How long a worker needs to load the gallery from the database, and how much memory it takes.

Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/facepay_gallery python bench/gallery_load.py
--templates 100000`. The database is a scratch one: it is migrated and topped up to `--templates`
enrolled customers, each with its own wrapped data key and an AES-GCM sealed random unit vector of
the configured pack's dimension (as `face_template_store` seals them), inserted in bulk. Then the
process's gallery is built from the database exactly as a worker builds it at start
(`customers.gallery.sync()`: read every template, unwrap the customer's key, decrypt, index),
timed, with the resident memory it added.
"""

from __future__ import annotations

import argparse
import base64
import gc
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facepay.settings")
os.environ.setdefault(
    "FACEPAY_DATA_KEYS", "bench:" + base64.b64encode(b"facepay-bench-key-encryption-k!!").decode()
)

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from customers import gallery, sealing  # noqa: E402
from customers.models import Customer, FaceTemplate  # noqa: E402
from facepay import crypto  # noqa: E402
from facepay.face.config import get_config  # noqa: E402
from facepay.face.pack import load_manifest  # noqa: E402
from facepay.models import User  # noqa: E402

BATCH = 5_000


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def top_up(target: int) -> None:
    """Insert enrolled customers until the database holds `target` templates."""
    manifest = load_manifest(get_config().pack)
    dimension, version = manifest.embedding_dimension, gallery.current_model_version()
    have = FaceTemplate.objects.count()
    rng = np.random.default_rng(have)
    started = time.perf_counter()
    while have < target:
        count = min(BATCH, target - have)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(username=f"gallery-bench-{have + n}", display_name="李伟")
                for n in range(count)
            )
            keys = [crypto.new_data_key() for _ in range(count)]
            wrapped = [crypto.wrap_key(key) for key in keys]
            customers = Customer.objects.bulk_create(
                Customer(user=user, data_key_id=wrap.key_id, data_key_blob=wrap.blob)
                for user, wrap in zip(users, wrapped, strict=True)
            )
            vectors = rng.standard_normal((count, dimension), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            FaceTemplate.objects.bulk_create(
                FaceTemplate(
                    customer=customer,
                    sealed_embedding=sealing.seal_embedding(
                        data_key=key, customer_id=customer.pk, embedding=vector
                    ),
                    key_id=customer.data_key_id,
                    dimension=dimension,
                    pack_name=manifest.name,
                    model_version=version,
                    quality=1.0,
                    frame_count=1,
                )
                for customer, key, vector in zip(customers, keys, vectors, strict=True)
            )
        have += count
        if have % 50_000 < BATCH:
            print(f"{have:,} templates ({time.perf_counter() - started:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--templates", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a scratch PostgreSQL database")
    call_command("migrate", verbosity=0)
    top_up(args.templates)
    connection.close()
    gallery.forget()
    gc.collect()
    before = rss_mib()
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    started = time.perf_counter()
    size = gallery.size()  # a worker's first search does this: sync() rebuilds from the database
    seconds = time.perf_counter() - started
    gc.collect()
    added = rss_mib() - before
    print(
        f"loaded {size:,} templates from PostgreSQL (decrypting each) in {seconds:.1f} s "
        f"({1e6 * seconds / max(size, 1):.0f} µs a template); resident memory +{added:.0f} MiB "
        f"({added * 2**20 / max(size, 1):.0f} bytes a template); load average at start {load}; "
        f"{os.cpu_count()} CPU cores"
    )


if __name__ == "__main__":
    main()
