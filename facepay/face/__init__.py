"""Face engine: intake, detection, quality, liveness, alignment, embedding, gallery and decision.

Plain Python (no ORM). Only `facepay.face.config` reads Django settings.
"""
