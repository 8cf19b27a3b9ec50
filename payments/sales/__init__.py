"""The merchant portal's sales area: dashboard figures, payment / refund / settlement lists and
exports, the live dashboard feed. It reads the ledger, so it belongs to payments; facepay.urls and
facepay.routing mount it under /merchants/ (namespace merchants) and ws/merchants/dashboard/."""
