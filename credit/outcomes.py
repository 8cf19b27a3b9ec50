"""The loan-outcomes CSV parser: one refusal listing every problem with its line numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from credit import errors
from facepay import money
from merchants import selectors as merchant_selectors

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Merchant


MIN_DEFAULTS = 20  # fewer defaults (or repaid loans) than this cannot support a fit
MIN_REPAID = 20
OUTCOME_COLUMNS = ("credit_code", "loan_date", "amount", "defaulted")
YES = {"yes", "y", "1", "true", "是"}
NO = {"no", "n", "0", "false", "否"}


@dataclass(frozen=True)
class ParsedOutcome:
    merchant: Merchant
    loan_date: date
    amount_minor: int
    is_defaulted: bool


def _line_list(lines: list[int]) -> list[int]:
    return lines[:20]


def outcomes_parse(*, content: bytes, currency: str) -> list[ParsedOutcome]:
    """Parse and check an outcomes CSV; raises one refusal with the counts of each problem."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise errors.OutcomesFileInvalid(_("The file is not UTF-8 text.")) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in OUTCOME_COLUMNS if c not in header]
    if missing:
        raise errors.OutcomesFileInvalid(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)},
            expected=list(OUTCOME_COLUMNS),
        )
    records = [
        {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader
    ]
    if not records:
        raise errors.OutcomesFileInvalid(_("The file has no loans."))
    codes = {r["credit_code"].upper() for r in records}
    merchants = merchant_selectors.merchants_by_credit_code(codes=codes)
    unknown, bad_dates, non_binary, bad_amounts = [], [], [], []
    parsed: list[ParsedOutcome] = []
    for line, record in enumerate(records, start=2):
        merchant = merchants.get(record["credit_code"].upper())
        if merchant is None:
            unknown.append(line)
        try:
            loan_date = date.fromisoformat(record["loan_date"])
        except ValueError:
            bad_dates.append(line)
            loan_date = None
        flag = record["defaulted"].lower()
        if flag not in YES | NO:
            non_binary.append(line)
        try:
            amount_minor = money.to_minor(record["amount"], currency)
            if amount_minor <= 0:
                raise ValueError(record["amount"])
        except (ValueError, ArithmeticError):
            bad_amounts.append(line)
            amount_minor = 0
        if merchant and loan_date and flag in YES | NO and amount_minor > 0:
            parsed.append(ParsedOutcome(merchant, loan_date, amount_minor, flag in YES))
    if unknown:
        raise errors.OutcomesUnknownCreditCodes(
            _("%(count)d of %(rows)d rows name a credit code of no merchant here.")
            % {"count": len(unknown), "rows": len(records)},
            count=len(unknown),
            rows=len(records),
            lines=_line_list(unknown),
        )
    if bad_dates:
        raise errors.OutcomesBadDates(
            _("%(count)d of %(rows)d rows have a loan date that is not YYYY-MM-DD.")
            % {"count": len(bad_dates), "rows": len(records)},
            count=len(bad_dates),
            rows=len(records),
            lines=_line_list(bad_dates),
        )
    if non_binary:
        raise errors.OutcomesNonBinary(
            _("%(count)d of %(rows)d rows have a 'defaulted' value other than yes/no.")
            % {"count": len(non_binary), "rows": len(records)},
            count=len(non_binary),
            rows=len(records),
            lines=_line_list(non_binary),
        )
    if bad_amounts:
        raise errors.OutcomesBadAmounts(
            _("%(count)d of %(rows)d rows have an amount that is not a positive sum.")
            % {"count": len(bad_amounts), "rows": len(records)},
            count=len(bad_amounts),
            rows=len(records),
            lines=_line_list(bad_amounts),
        )
    defaults = sum(1 for p in parsed if p.is_defaulted)
    repaid = len(parsed) - defaults
    if defaults < MIN_DEFAULTS or repaid < MIN_REPAID:
        raise errors.OutcomesTooFewDefaults(
            _(
                "The file has %(defaults)d defaults and %(repaid)d repaid loans; a fit needs at "
                "least %(min_defaults)d defaults and %(min_repaid)d repaid loans."
            )
            % {
                "defaults": defaults,
                "repaid": repaid,
                "min_defaults": MIN_DEFAULTS,
                "min_repaid": MIN_REPAID,
            },
            defaults=defaults,
            repaid=repaid,
            minimum_defaults=MIN_DEFAULTS,
            minimum_repaid=MIN_REPAID,
        )
    return parsed
