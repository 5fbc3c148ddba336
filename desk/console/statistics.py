"""The unit's figures, from the index and the journal: cases per week and month, the share
found useful / not actionable / closed (the article's measure), the median time to first look
and to first reply, and the cases with risk markers."""

from __future__ import annotations

import statistics as pystats
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .casefile import parse_time
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
    now = (now or datetime.now(UTC)).astimezone(UTC)
    fig = Figures(by_status=dict.fromkeys(STATUSES, 0), by_risk=dict.fromkeys(RISK_COLUMNS, 0))
    week_keys, month_keys = _periods(now, weeks, months)
    per_week, per_month = dict.fromkeys(week_keys, 0), dict.fromkeys(month_keys, 0)
    looks, replies = [], []
    with store.connect() as db:
        # first look: the first time an officer opened the case or changed its status on this desk
        first_look = dict(db.execute("SELECT case_id, min(at) FROM events WHERE action IN ('opened', 'status') "
                                     "GROUP BY case_id").fetchall())
        rows = db.execute("SELECT case_id, received_at, status, first_reply_at, "
                          + ", ".join(RISK_COLUMNS) + " FROM cases").fetchall()
    for row in rows:
        fig.total += 1
        fig.by_status[row["status"]] = fig.by_status.get(row["status"], 0) + 1
        risky = [k for k in RISK_COLUMNS if row[k]]
        fig.with_risk += bool(risky)
        for k in risky:
            fig.by_risk[k] += 1
        received = parse_time(row["received_at"])
        if received is None:
            continue
        if _week(received) in per_week:
            per_week[_week(received)] += 1
        if received.strftime("%Y-%m") in per_month:
            per_month[received.strftime("%Y-%m")] += 1
        look = parse_time(first_look.get(row["case_id"]))
        if look is not None:
            looks.append(max(0.0, (look - received).total_seconds() / 3600))
        reply = parse_time(row["first_reply_at"])
        if reply is not None:
            replies.append(max(0.0, (reply - received).total_seconds() / 3600))
    fig.weeks, fig.months = list(per_week.items()), list(per_month.items())
    fig.looked, fig.replied = len(looks), len(replies)
    fig.median_first_look_h = pystats.median(looks) if looks else None
    fig.median_first_reply_h = pystats.median(replies) if replies else None
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
