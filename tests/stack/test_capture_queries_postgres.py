"""Issue 16, must-show 3 on PostgreSQL: the capture's ten queries, row locks included."""

from tests.payments.test_capture_queries import (
    test_a_face_capture_with_a_fee_takes_at_most_ten_queries as test_capture_queries_postgres,
)

__all__ = ["test_capture_queries_postgres"]
