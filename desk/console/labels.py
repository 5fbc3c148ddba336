"""The words the console shows for statuses, precision levels, risks and verdicts (French;
English through the catalog), and how times are written."""

from __future__ import annotations

from datetime import datetime

from .casefile import parse_time
from .i18n import current_language, gettext as _

STATUS = {"new": "Nouveau", "in_progress": "En cours", "useful": "Utile", "not_actionable": "Inexploitable",
          "closed": "Clos"}
LEVEL = {0: "À compléter", 1: "Peu précis", 2: "Assez précis", 3: "Très précis"}
RISK = {"children": "Enfants", "weapons": "Armes", "threats": "Menaces", "danger": "Danger immédiat"}
VERDICT = {"VERIFIED": "VÉRIFIÉ", "INCOMPLETE": "INCOMPLET", "REFUSED": "REFUSÉ"}
PERIOD = {"24h": "24 heures", "7d": "7 jours", "30d": "30 jours", "365d": "12 mois"}
ACTION = {"synced": "synchronisé", "decrypted": "déchiffré et vérifié", "opened": "ouvert",
          "status": "statut changé", "assigned": "attribué", "note": "note ajoutée", "reply": "réponse envoyée",
          "exported": "exporté", "read": "messages lus", "deleted": "supprimé par le serveur (conservation)"}

# the server's audit actions (server/services/audit.py); an unknown one is shown as its code
SERVER_ACTION = {"status_changed": "statut changé", "assigned": "attribué", "note_added": "note ajoutée",
                 "content_downloaded": "éléments téléchargés", "reply_sent": "réponse envoyée", "exported": "exporté",
                 "retention_deleted": "supprimé (conservation)"}


def status(value) -> str:
    return _(STATUS.get(value, "Inconnu"))


def level(value) -> str:
    return _(LEVEL[value]) if value in LEVEL else _("Non évalué")


def risk(value) -> str:
    return _(RISK.get(value, value))


def verdict(value) -> str:
    return _(VERDICT[value]) if value in VERDICT else _("Non déchiffré")


def hour(value) -> str:
    """A time to the hour (the server keeps no finer), in this machine's time zone."""
    stamp = value if isinstance(value, datetime) else parse_time(value)
    if stamp is None:
        return "—"
    local = stamp.astimezone()
    return local.strftime("%d/%m/%Y %H h") if current_language() == "fr" else local.strftime("%Y-%m-%d %H:00")


def minute(value) -> str:
    stamp = value if isinstance(value, datetime) else parse_time(value)
    if stamp is None:
        return "—"
    local = stamp.astimezone()
    return local.strftime("%d/%m/%Y %H:%M") if current_language() == "fr" else local.strftime("%Y-%m-%d %H:%M")


def register(app) -> None:
    app.jinja_env.filters.update(status=status, level=level, risk=risk, verdict=verdict, hour=hour, minute=minute)
    app.jinja_env.globals.update(STATUS=STATUS, RISK=RISK, PERIOD=PERIOD, ACTION=ACTION,
                                 SERVER_ACTION=SERVER_ACTION)
