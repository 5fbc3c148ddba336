"""A decrypted report (docs/report.md) read defensively into what the console shows.

The report is the anonymous sender's JSON: any member may be missing, of the wrong type or
hostile. Nothing here trusts a type; every value shown is a plain string (Jinja escapes it) and
every flag a bool. The layout follows the article's table (../shared/seed/CARD.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

RISKS = ("children", "weapons", "threats", "danger")
# the coach's danger kinds (docs/coach.md) that mean the same as a ticked risk box
_DANGER_KIND = {"children": "children", "weapon": "weapons", "threat": "threats"}
MAX_TEXT = 20_000  # a display limit, not a storage one: the full text stays in report.json


def text(value, limit: int = MAX_TEXT) -> str:
    """A string from the sender's value, whatever its type; never markup (Jinja escapes it)."""
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return ""


def _obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


@dataclass
class Position:
    latitude: float
    longitude: float
    accuracy_m: float | None

    @property
    def geo_uri(self) -> str:
        """A standard geo: link, opened by the officer's own map application; no tiles fetched."""
        return f"geo:{self.latitude:.6f},{self.longitude:.6f}"

    @property
    def text(self) -> str:
        return f"{self.latitude:.6f}, {self.longitude:.6f}"


def _position(value) -> Position | None:
    pos = _obj(value)
    lat, lon, acc = pos.get("latitude"), pos.get("longitude"), pos.get("accuracy_m")
    numeric = (int, float)
    if (not isinstance(lat, numeric) or isinstance(lat, bool) or not isinstance(lon, numeric)
            or isinstance(lon, bool) or not -90 <= lat <= 90 or not -180 <= lon <= 180):
        return None
    acc = float(acc) if isinstance(acc, numeric) and not isinstance(acc, bool) and acc >= 0 else None
    return Position(float(lat), float(lon), acc)


@dataclass
class ReportView:
    """The report laid out as the article's table, plus what the inbox needs."""

    place: str = ""
    position: Position | None = None
    seen_at: str = ""
    frequency: str = ""
    written_at: str = ""
    people: list[dict[str, str]] = field(default_factory=list)
    vehicles: list[dict[str, str]] = field(default_factory=list)
    risks: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(RISKS, False))
    risk_details: str = ""
    danger_kinds: list[str] = field(default_factory=list)
    details: str = ""
    contact_wanted: bool = False
    contact: dict[str, str] = field(default_factory=dict)
    level: int | None = None
    score: float | None = None
    missing: list[str] = field(default_factory=list)
    flags: list[dict[str, str]] = field(default_factory=list)
    withdrawn: list[dict[str, str]] = field(default_factory=list)
    language: str = ""

    @property
    def any_risk(self) -> bool:
        return any(self.risks.values())

    def search_text(self) -> str:
        """Everything a search should find, one string (the FTS index folds case and accents)."""
        parts = [self.place, self.seen_at, self.frequency, self.risk_details, self.details]
        for person in self.people:
            parts.extend(person.values())
        for vehicle in self.vehicles:
            parts.extend(vehicle.values())
        parts.extend(self.contact.values())
        return "\n".join(p for p in parts if p)

    @property
    def place_summary(self) -> str:
        line = self.place.strip().splitlines()[0] if self.place.strip() else ""
        return line[:120] + ("…" if len(line) > 120 else "")


PERSON_FIELDS = ("clothing", "height", "signs", "role")
VEHICLE_FIELDS = ("type", "colour", "make", "plate")
CONTACT_FIELDS = ("phone", "email", "when")


def read_report(report) -> ReportView:
    report = _obj(report)
    view = ReportView()
    place = _obj(report.get("place"))
    view.place = text(place.get("text"))
    view.position = _position(place.get("position"))
    when = _obj(report.get("when"))
    view.seen_at, view.frequency = text(when.get("seen_at"), 200), text(when.get("frequency"))
    view.written_at = text(report.get("written_at"), 64)
    view.language = text(report.get("language"), 16)
    for person in _list(report.get("people"))[:50]:
        row = {k: text(_obj(person).get(k), 2000) for k in PERSON_FIELDS}
        if any(row.values()):
            view.people.append(row)
    for vehicle in _list(report.get("vehicles"))[:50]:
        row = {k: text(_obj(vehicle).get(k), 2000) for k in VEHICLE_FIELDS}
        if any(row.values()):
            view.vehicles.append(row)
    risks = _obj(report.get("risks"))
    for key in ("children", "weapons", "threats"):
        view.risks[key] = risks.get(key) is True
    view.risk_details = text(risks.get("details"))
    view.details = text(report.get("details"))
    contact = _obj(report.get("contact"))
    view.contact_wanted = contact.get("wanted") is True
    if view.contact_wanted:
        view.contact = {k: text(contact.get(k), 500) for k in CONTACT_FIELDS if text(contact.get(k), 500)}
    coach = _obj(report.get("coach"))
    level = coach.get("level")
    view.level = level if type(level) is int and 0 <= level <= 3 else None
    score = coach.get("score")
    view.score = float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None
    view.missing = [text(m, 40) for m in _list(coach.get("missing")) if isinstance(m, str)][:20]
    for flag in _list(coach.get("flags"))[:50]:
        flag = _obj(flag)
        view.flags.append({"kind": text(flag.get("kind"), 40), "field": text(flag.get("field"), 80),
                           "phrase": text(flag.get("phrase"), 200)})
    danger = _obj(coach.get("danger"))
    view.danger_kinds = [text(k, 40) for k in _list(danger.get("kinds")) if isinstance(k, str)][:20]
    view.risks["danger"] = danger.get("active") is True
    for kind in view.danger_kinds:  # the coach read a risk in the text that the box does not say
        if kind in _DANGER_KIND:
            view.risks[_DANGER_KIND[kind]] = True
    for entry in _list(report.get("withdrawn"))[:200]:
        entry = _obj(entry)
        view.withdrawn.append({"name": text(entry.get("name"), 300), "reason": text(entry.get("reason"), 80)})
    return view
