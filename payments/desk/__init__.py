"""Refunds and disputes on screen: the merchant's payment page with its refund form, the
customer's dispute from a receipt, and the operator's dispute desk in the ops area."""
