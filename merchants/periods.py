"""The dashboard's periods: the choices the filter offers and the rule that turns a viewer's
start, end and days into one bounded, inclusive range (pure: no queries).

The sales figures themselves live in payments.sales.dashboard, which takes its periods from here.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from merchants.errors import DateOutOfRange, PeriodTooLong

PERIODS = (7, 30, 90)  # the dashboard's periods, in days
MAX_PERIOD_DAYS = 366  # a longer range is refused: one request must stay cheap
EARLIEST_DAY = date(2000, 1, 1)  # before the platform; far-off dates overflow datetime maths
LATEST_DAY = date(2999, 12, 31)


def period_resolve(
    *, start: date | None, end: date | None, days: int | None, today: date
) -> tuple[date, date]:
    """The inclusive period a viewer asks for: explicit dates win, else the last `days` (30)
    ending at `end` (today); swapped dates are put in order.

    Raises DateOutOfRange (a date outside EARLIEST_DAY…LATEST_DAY) or PeriodTooLong (more than
    MAX_PERIOD_DAYS days).
    """
    for day in (start, end):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise DateOutOfRange(
                _("Dates must lie between %(first)s and %(last)s.")
                % {"first": EARLIEST_DAY, "last": LATEST_DAY},
                earliest=str(EARLIEST_DAY),
                latest=str(LATEST_DAY),
            )
    end = end or today
    start = start or end - timedelta(days=(days or 30) - 1)
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise PeriodTooLong(
            _("A period may be at most %(days)s days long.") % {"days": MAX_PERIOD_DAYS},
            max_days=MAX_PERIOD_DAYS,
        )
    return start, end
