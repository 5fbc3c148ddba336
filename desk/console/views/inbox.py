"""The inbox: newest cases first, with the filters and the full-text search."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..index import PERIODS, RISK_COLUMNS, STATUSES, Filters, assignees, inbox
from ..state import state

bp = Blueprint("inbox", __name__)


def filters_from(args) -> Filters:
    """The query string read strictly: an unknown value is no filter, never an error or SQL."""
    status = args.get("status", "")
    risk = args.get("risk", "")
    period = args.get("period", "")
    return Filters(status=status if status in STATUSES else "",
                   risk=risk if risk in (*RISK_COLUMNS, "any") else "",
                   assignee=args.get("assignee", "")[:64], period=period if period in PERIODS else "",
                   unread=args.get("unread") == "1", q=args.get("q", "")[:200],
                   page=args.get("page", type=int, default=1) or 1)


@bp.get("/")
def index():
    st = state()
    f = filters_from(request.args)
    result = inbox(st.store, f)
    return render_template("inbox.html", f=f, result=result, assignees=assignees(st.store), me=st.officer,
                           statuses=STATUSES, risks=RISK_COLUMNS, periods=PERIODS)
