"""The case file for investigators, as a PDF (fpdf2, pure Python): the report laid out as the
article's table, the photos, every item's ciphertext and plaintext SHA-256, the verification
verdict, and the chain of custody (who decrypted and exported it, when).

All text is the sender's and is drawn as text (never markup); a character no font here has
is shown as a replacement glyph rather than dropped silently."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image

from .casefile import CaseFile, attachment_path
from .labels import ACTION, LEVEL, RISK, STATUS

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian fonts-dejavu-core (scripts/debian-packages.txt)
MAX_PIXELS = 40_000_000  # a photo larger than this is listed, not drawn (decompression bombs)


class _Doc(FPDF):
    def __init__(self, case_id: str):
        super().__init__(format="A4")
        self.case_id = case_id
        self.set_auto_page_break(True, margin=15)
        if (FONT_DIR / "DejaVuSans.ttf").is_file():
            self.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.add_font("Mono", "", str(FONT_DIR / "DejaVuSansMono.ttf"))
            self.unicode = True
        else:  # latin-1 core fonts: other characters become '?'
            self.unicode = False
        self.set_title(f"Dossier {case_id}")
        self.set_creator("tipline-desk console")

    def font(self, style: str = "", size: float = 10, mono: bool = False):
        if self.unicode:
            self.set_font("Mono" if mono else "Body", "" if mono else style, size)
        else:
            self.set_font("Courier" if mono else "Helvetica", style, size)

    def clean(self, text: str) -> str:
        text = "".join(ch if ch in "\n\t" or ord(ch) >= 32 else "\ufffd" for ch in text)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self):
        self.set_y(-12)
        self.font(size=8)
        self.cell(0, 6, self.clean(f"Dossier {self.case_id} — page {self.page_no()}/{{nb}}"), align="C")

    def heading(self, text: str):
        self.ln(3)
        self.font("B", 13)
        self.multi_cell(0, 7, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.ln(1)

    def field(self, label: str, value: str, mono: bool = False):
        self.font("B", 9)
        self.multi_cell(0, 5, self.clean(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.font(size=8 if mono else 10, mono=mono)
        self.multi_cell(0, 5, self.clean(value or "—"), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L",
                        wrapmode="CHAR" if mono else "WORD")
        self.ln(1)


def _people(rep) -> str:
    return "\n".join("; ".join(f"{k}: {v}" for k, v in p.items() if v) for p in rep.people)


def _vehicles(rep) -> str:
    return "\n".join("; ".join(f"{k}: {v}" for k, v in p.items() if v) for p in rep.vehicles)


def build(ws, case: CaseFile, *, officer: str, custody: list[dict], assignee: str = "") -> bytes:
    doc = _Doc(case.case_id)
    doc.alias_nb_pages()
    doc.add_page()
    doc.font("B", 16)
    doc.multi_cell(0, 9, doc.clean(f"Dossier de signalement {case.case_id}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                   align="L")
    doc.font(size=9)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc.multi_cell(0, 5, doc.clean(f"Établi le {made} par {officer} (console tipline-desk). Le contenu vient d'un "
                                   "expéditeur anonyme : à vérifier avant tout usage."),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    doc.heading("Vérification")
    doc.field("Verdict", case.verdict or "non déchiffré")
    doc.field("Reçu par le serveur (à l'heure près)",
              case.received_at.strftime("%Y-%m-%d %H:00 UTC") if case.received_at else "—")
    doc.field("Statut", STATUS.get(case.status, case.status))
    if assignee:
        doc.field("Attribué à", assignee)
    doc.field("Rapport : SHA-256 du contenu", case.report_sha256, mono=True)
    doc.field("Rapport : SHA-256 de l'enveloppe chiffrée", case.report_ciphertext_sha256, mono=True)

    rep = case.report
    if rep is not None:
        doc.heading("Le signalement")
        place = rep.place + (f"\nPosition : {rep.position.text} ({rep.position.geo_uri})" if rep.position else "")
        rows = [("Lieu", place), ("Jours et heures", rep.seen_at), ("Fréquence", rep.frequency),
                ("Personnes", _people(rep)), ("Véhicules et plaques", _vehicles(rep)),
                ("Preuves", f"{case.count('photo')} photo(s), {case.count('video')} vidéo(s), "
                            f"{case.count('file')} autre(s) fichier(s)"),
                ("Risques", ", ".join(RISK[k] for k, on in rep.risks.items() if on)
                 + (f"\n{rep.risk_details}" if rep.risk_details else "")),
                ("Texte libre", rep.details),
                ("Précision (assistant)", LEVEL.get(rep.level, "non évaluée")),
                ("Contact souhaité", "\n".join(f"{k}: {v}" for k, v in rep.contact.items())
                 if rep.contact_wanted else "non (anonyme)"),
                ("Écrit le (horloge du téléphone)", rep.written_at)]
        for label, value in rows:
            doc.field(label, value)

    doc.heading("Pièces jointes")
    if not case.attachments:
        doc.field("", "aucune")
    for att in case.attachments:
        doc.field(f"Pièce {att.part} : {att.name}",
                  f"état : {att.status} {att.error_code}".strip()
                  + f" ; type trouvé : {att.detected_type or 'inconnu'}"
                  + (f" ; annoncé : {att.claimed_type}" if att.type_differs else "")
                  + (f" ; {att.length} octets" if att.length is not None else "")
                  + (" ; MÉTADONNÉES CONSERVÉES (peuvent identifier le citoyen)" if att.metadata_kept else ""))
        doc.field("SHA-256 du contenu", att.sha256, mono=True)
        doc.field("SHA-256 de l'enveloppe chiffrée", att.ciphertext_sha256, mono=True)
        path = attachment_path(ws, case, att)
        if att.inline == "img" and path is not None:
            _photo(doc, path)

    if case.messages:
        doc.heading("Conversation")
        for msg in case.messages:
            who = "Police" + (f" ({msg.author})" if msg.author else "") if msg.kind == "reply" else "Citoyen"
            when = msg.received_at.strftime("%Y-%m-%d %H:00 UTC") if msg.received_at else ""
            doc.field(f"{who} — {when}", msg.text if msg.status == "verified" else f"non vérifié : {msg.status}")
            doc.field("SHA-256 du contenu", msg.sha256, mono=True)

    doc.heading("Chaîne de conservation")
    for event in custody:
        doc.field(f"{event['at']} — {event['officer']}",
                  ACTION.get(event["action"], event["action"]) + (f" : {event['detail']}" if event["detail"] else ""))
    return bytes(doc.output())


def _photo(doc: _Doc, path: Path) -> None:
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_PIXELS:
                doc.field("", "(image trop grande pour être reproduite ici)")
                return
            img.load()
            picture = img.convert("RGB")
    except Exception:  # noqa: BLE001 - a damaged or hostile image is listed, never fatal
        doc.field("", "(image illisible)")
        return
    width = 120
    height = width * picture.height / max(1, picture.width)
    if height > 150:
        width, height = width * 150 / height, 150
    if doc.get_y() + height > doc.h - 20:
        doc.add_page()
    doc.image(picture, w=width, h=height)
    doc.ln(2)
