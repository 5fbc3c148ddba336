"""The unit's figures, from the index and the journal: cases per week and month, the share
found useful / not actionable / closed (the article's measure), the median time to first look
and to first reply, and the cases with risk markers."""

from __future__ import annotations

import statistics as pystats
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .index import RISK_COLUMNS, STATUSES
from .store import Store


@dataclass
class Figures:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    weeks: list[tuple[str, int]] = field(default_factory=list)  # (ISO week "2026-W48", cases), oldest first
    months: list[tuple[str, int]] = field(default_factory=list)  # ("2026-11", cases)
    with_risk: int = 0
    by_risk: dict[str, int] = field(default_factory=dict)
    median_first_look_h: float | None = None
    median_first_reply_h: float | None = None
    looked: int = 0
    replied: int = 0

    def share(self, status: str) -> float:
        return self.by_status.get(status, 0) / self.total if self.total else 0.0

    @property
    def useful_among_decided(self) -> float:
        decided = self.by_status.get("useful", 0) + self.by_status.get("not_actionable", 0)
        return self.by_status.get("useful", 0) / decided if decided else 0.0


def _week(stamp: datetime) -> str:
    year, week, _ = stamp.isocalendar()
    return f"{year}-W{week:02d}"


def _periods(now: datetime, weeks: int, months: int) -> tuple[list[str], list[str]]:
    week_keys = sorted({_week(now - timedelta(weeks=i)) for i in range(weeks)})
    month_keys, y, m = [], now.year, now.month
    for _ in range(months):
        month_keys.append(f"{y}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return week_keys, sorted(month_keys)


def compute(store: Store, now: datetime | None = None, weeks: int = 12, months: int = 12) -> Figures:
    """The figures, aggregated in SQLite (a few hundred rows come back, whatever the case count)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    fig = Figures(by_status=dict.fromkeys(STATUSES, 0), by_risk=dict.fromkeys(RISK_COLUMNS, 0))
    week_keys, month_keys = _periods(now, weeks, months)
    per_week, per_month = dict.fromkeys(week_keys, 0), dict.fromkeys(month_keys, 0)
    any_risk = " OR ".join(RISK_COLUMNS)
    with store.connect() as db:
        for status, n in db.execute("SELECT status, count(*) FROM cases GROUP BY status"):
            fig.by_status[status] = n
        row = db.execute(f"SELECT count(*), sum({any_risk}), "
                         + ", ".join(f"sum({k})" for k in RISK_COLUMNS) + " FROM cases").fetchone()
        fig.total, fig.with_risk = row[0], row[1] or 0
        fig.by_risk = {k: row[2 + i] or 0 for i, k in enumerate(RISK_COLUMNS)}
        # received times are to the hour: one row per day, mapped to ISO weeks and months here
        for day, n in db.execute("SELECT substr(received_at, 1, 10), count(*) FROM cases "
                                 "WHERE received_at IS NOT NULL GROUP BY 1"):
            try:
                stamp = datetime.fromisoformat(day)
            except ValueError:
                continue
            if _week(stamp) in per_week:
                per_week[_week(stamp)] += n
            if stamp.strftime("%Y-%m") in per_month:
                per_month[stamp.strftime("%Y-%m")] += n
        # first look: the first time an officer opened the case or changed its status on this desk
        looks = [r[0] for r in db.execute(
            "SELECT max(0, (julianday(min(e.at)) - julianday(c.received_at)) * 24) FROM events e "
            "JOIN cases c ON c.case_id = e.case_id WHERE e.action IN ('opened', 'status') "
            "AND c.received_at IS NOT NULL GROUP BY e.case_id")]
        replies = [r[0] for r in db.execute(
            "SELECT max(0, (julianday(first_reply_at) - julianday(received_at)) * 24) FROM cases "
            "WHERE first_reply_at IS NOT NULL AND received_at IS NOT NULL")]
    fig.weeks, fig.months = list(per_week.items()), list(per_month.items())
    looks, replies = [x for x in looks if x is not None], [x for x in replies if x is not None]
    fig.looked, fig.replied = len(looks), len(replies)
    fig.median_first_look_h = round(pystats.median(looks), 6) if looks else None
    fig.median_first_reply_h = round(pystats.median(replies), 6) if replies else None
    return fig


def csv_rows(fig: Figures) -> list[list]:
    """The figures as CSV rows (numbers and dates only: nothing a sender wrote)."""
    rows = [["measure", "period", "value"]]
    rows += [["cases_per_week", week, n] for week, n in fig.weeks]
    rows += [["cases_per_month", month, n] for month, n in fig.months]
    rows += [["cases_total", "", fig.total]]
    rows += [[f"status_{status}", "", n] for status, n in fig.by_status.items()]
    rows += [[f"share_{status}", "", f"{fig.share(status):.4f}"] for status in ("useful", "not_actionable", "closed")]
    rows += [["share_useful_among_decided", "", f"{fig.useful_among_decided:.4f}"]]
    rows += [["cases_with_risk", "", fig.with_risk]] + [[f"risk_{k}", "", n] for k, n in fig.by_risk.items()]
    for name, value in (("median_hours_to_first_look", fig.median_first_look_h),
                        ("median_hours_to_first_reply", fig.median_first_reply_h)):
        rows.append([name, "", "" if value is None else f"{value:.2f}"])
    return rows
