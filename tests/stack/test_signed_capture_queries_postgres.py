"""Issue 16 on PostgreSQL and Redis: a signed confirm is the terminal's query and the capture's
ten (the nonce goes to Redis: SET NX EX, no database query)."""

from tests.payments.test_signed_capture_queries import (
    test_a_signed_confirm_request_takes_at_most_the_counted_queries as test_signed_postgres,
)

__all__ = ["test_signed_postgres"]
