"""Statistics screen and its CSV export."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template

from ..charts import bars
from ..headers import content_disposition
from ..statistics import compute, csv_rows
from ..state import state

bp = Blueprint("stats", __name__)


@bp.get("/statistics")
def index():
    fig = compute(state().store)
    return render_template("stats.html", fig=fig, week_chart=bars([(w[-3:], n) for w, n in fig.weeks]),
                           month_chart=bars([(m[2:], n) for m, n in fig.months]))


@bp.get("/statistics.csv")
def export_csv():
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(compute(state().store)))
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition("attachment", "statistiques.csv")
    return response
