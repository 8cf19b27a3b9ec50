"""CSV and XLSX exports of the finance office's ranked list (merchant-level data only)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from credit.selectors import RankedMerchant
from facepay.spreadsheets import SafeCsvWriter, safe_row

HEADER = (
    "rank",
    "merchant",
    "credit_code",
    "trade",
    "period",
    "status",
    "score",
    "tier",
    "effective_tier",
    "change",
    "reason_1",
    "reason_2",
    "reason_3",
    "reason_4",
    "model_version",
    "computed_at",
)


def export_rows(rows: Sequence[RankedMerchant]) -> list[list[object]]:
    table: list[list[object]] = []
    for rank, row in enumerate(rows, start=1):
        score = row.score
        reasons = [r["code"] for r in (score.reasons if score else [])]
        reasons += [""] * (4 - len(reasons))
        table.append(
            [
                rank,
                row.merchant.name,
                row.merchant.credit_code,
                row.merchant.trade,
                f"{score.period_start:%Y-%m}" if score else "",
                score.status if score else "not_scored",
                score.score if score and score.score is not None else "",
                score.tier if score else "",
                row.effective_tier,
                row.change if row.change is not None else "",
                *reasons[:4],
                score.model.version if score else "",
                score.computed_at.isoformat() if score else "",
            ]
        )
    return table


def to_csv(rows: Sequence[RankedMerchant]) -> bytes:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(HEADER)
    writer.writerows(export_rows(rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens Chinese names right


def to_xlsx(rows: Sequence[RankedMerchant]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "SME credit scores"
    sheet.append(list(HEADER))
    for line in export_rows(rows):
        sheet.append(safe_row(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
