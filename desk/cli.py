"""``tipline-desk``: the operators' private-key tool. Run `tipline-desk --help`."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from envelope import bundle as kb
from envelope.errors import EnvelopeError
from envelope.keys import fingerprint
from envelope.vocabulary import STATUSES

from .client import Client, DeskError
from .console.command import console_cmd
from .decrypt import decrypt_case
from .files import read_json, write_json, write_private
from .safe import markup, plain, row
from .keyring import KDF_PROFILES, Keyring, KeyringError, parse_public_key_document, public_key_document
from .sync import sync as run_sync
from .sync import unread_messages
from .workspace import Workspace, default_home

# emoji=False: a ":name:" in a sender's or the server's text stays as written (desk.safe)
console = Console(stderr=True, emoji=False)
out = Console(emoji=False)


class Ctx:
    def __init__(self, home: Path, keyring: Path | None):
        self.ws = Workspace(home)
        self.keyring = Keyring(keyring or self.ws.keyring_dir)

    def client(self) -> Client:
        session = read_json(self.ws.session_file)
        if not session:
            raise click.ClickException("not logged in: run `tipline-desk login --server URL --username NAME`")
        return Client(session["server"], session["token"])


pass_ctx = click.make_pass_decorator(Ctx)


def passphrase(confirm: bool = False, path: Path | None = None) -> str:
    if path is not None:
        return path.read_text(encoding="utf-8").rstrip("\n")
    env = os.environ.get("TIPLINE_DESK_PASSPHRASE")
    if env:
        return env
    return click.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm, err=True)


passphrase_option = click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                 help="read the key passphrase from this file (else TIPLINE_DESK_PASSPHRASE, "
                                      "else a prompt)")


@click.group()
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=default_home, show_default=True,
              help="the desk's folder (TIPLINE_DESK_HOME)")
@click.option("--keyring", type=click.Path(file_okay=False, path_type=Path),
              help="folder of private keys [default: HOME/keyring]; may be on removable media")
@click.pass_context
def main(ctx, home, keyring):
    """The operators' desk: keys, bundle signing, sync, decryption and triage of cases."""
    os.umask(0o077)  # every file the desk makes is for its owner only
    ctx.obj = Ctx(home, keyring)


def _fail_cleanly(fn):
    """Turn the desk's expected failures into one clear line and exit code 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (DeskError, KeyringError, EnvelopeError, ValueError) as exc:
            raise click.ClickException(plain(exc)) from None  # may quote the server

    return wrapper


# --- keys ---------------------------------------------------------------------------------
@main.command()
@click.option("--root", "root", is_flag=True, help="make the root signing key (Ed25519) instead of an encryption key")
@click.option("--label", default="", help="a note stored with the key, e.g. 'desk 1, 2026'")
@click.option("--kdf", type=click.Choice(sorted(KDF_PROFILES)), default="moderate", show_default=True,
              help="Argon2id cost protecting the key file")
@passphrase_option
@pass_ctx
@_fail_cleanly
def keygen(ctx: Ctx, root, label, kdf, passphrase_file):
    """Make a key pair; the private half is written encrypted with a passphrase (mode 0600)."""
    info = ctx.keyring.generate("ed25519" if root else "x25519", passphrase(True, passphrase_file), label=label,
                                profile=kdf)
    what = "root signing key" if root else "encryption key"
    console.print(f"new {what} {info.key_id} in {info.path}")
    out.print(f"fingerprint: [bold]{info.fingerprint}[/bold]")


@main.command("export-public")
@click.argument("key_id")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="write here (else stdout)")
@pass_ctx
@_fail_cleanly
def export_public(ctx: Ctx, key_id, out_path):
    """Export an encryption key's public half, for whoever signs the bundle."""
    doc = public_key_document(ctx.keyring.find(key_id, "x25519"))
    text = json.dumps(doc, indent=2) + "\n"
    if out_path:
        out_path.write_text(text)
    else:
        click.echo(text, nl=False)  # as written: rich would read a label's "[...]" as markup and wrap long lines


@main.command("fingerprint")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
@_fail_cleanly
def fingerprint_cmd(ctx: Ctx, files):
    """Show fingerprints to compare aloud: of the keyring's keys, or of bundle/root/public key files."""
    table = Table("what", "key id", "fingerprint")
    if not files:
        for info in ctx.keyring.keys():
            row(table, f"{'root' if info.algorithm == 'ed25519' else 'encryption'} {info.label}".strip(),
                          info.key_id, info.fingerprint)
    for path in files:
        doc = json.loads(path.read_text())
        kind = doc.get("type")
        if kind == kb.BUNDLE_TYPE:
            payload = kb.parse_payload(kb.load_document(doc)["payload"].encode("ascii"))
            row(table, f"{path.name}: signed by", doc["signer"], "")
            for r in payload.recipients:
                row(table, f"{path.name}: {r.role} (seq {payload.sequence})", r.key_id.hex(),
                              fingerprint(r.public_key))
        elif kind == kb.ROOT_KEY_TYPE:
            pk = kb.parse_root_key_document(doc)
            row(table, f"{path.name}: root", doc["key_id"], fingerprint(pk))
        else:
            pk = parse_public_key_document(doc)
            row(table, f"{path.name}: encryption", doc["key_id"], fingerprint(pk))
    out.print(table)


@main.command("sign-bundle")
@click.option("--origin", required=True, help="the origin phones load the app from, e.g. https://signalement.example")
@click.option("--recipient", "recipients", multiple=True, metavar="KEYID[:ROLE]",
              help="an encryption key of this keyring (role primary or backup; default primary)")
@click.option("--recipient-file", "recipient_files", multiple=True, metavar="FILE[:ROLE]",
              help="an exported public key (tipline-desk export-public)")
@click.option("--expires-days", default=60, show_default=True, type=click.IntRange(1, kb.MAX_LIFETIME.days),
              help=f"at most {kb.MAX_LIFETIME.days}: phones refuse a bundle valid for longer")
@click.option("--sequence", type=click.IntRange(1), help="default: the previous bundle's plus one, else 1")
@click.option("--previous", type=click.Path(dir_okay=False, path_type=Path),
              help="the bundle this one replaces [default: --out if it exists]")
@click.option("--root", "root_id", help="the root key to sign with, if the keyring has several")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("keys/bundle.json"),
              show_default=True)
@click.option("--root-out", type=click.Path(dir_okay=False, path_type=Path), default=Path("keys/root-key.json"),
              show_default=True, help="where to write the root public key the app pins")
@passphrase_option
@pass_ctx
@_fail_cleanly
def sign_bundle(ctx: Ctx, origin, recipients, recipient_files, expires_days, sequence, previous, root_id, out_path,
                root_out, passphrase_file):
    """Sign the key bundle phones will encrypt to (all its recipients: primary and backup)."""
    chosen: list[tuple[bytes, str]] = []
    for spec in recipients:
        kid, _, role = spec.partition(":")
        chosen.append((ctx.keyring.find(kid, "x25519").public_key, role or "primary"))
    for spec in recipient_files:
        path, _, role = spec.partition(":")
        chosen.append((parse_public_key_document(json.loads(Path(path).read_text())), role or "primary"))
    if not chosen:
        keys = ctx.keyring.keys("x25519")
        if len(keys) != 1:
            raise click.ClickException("name the recipients with --recipient or --recipient-file")
        chosen = [(keys[0].public_key, "primary")]
    _sign_and_write(ctx, origin=origin, chosen=chosen, expires_days=expires_days, sequence=sequence,
                    previous=previous, root_id=root_id, out_path=out_path, root_out=root_out,
                    passphrase_file=passphrase_file)


def _previous_bundle(path: Path | None) -> kb.KeyBundle | None:
    """What the bundle being replaced said (its lifetime unchecked: only its sequence and keys are read)."""
    if path is None or not path.exists():
        return None
    return kb.parse_payload(kb.load_document(path.read_text())["payload"].encode("ascii"), check_lifetime=False)


def _sign_and_write(ctx: Ctx, *, origin, chosen, expires_days, sequence, previous, root_id, out_path, root_out,
                    passphrase_file) -> kb.KeyBundle:
    """Sign a bundle naming ``chosen`` with a sequence above the previous one's, check it as a phone
    will, and write it and the root public key."""
    if previous is not None and not previous.exists():
        raise click.ClickException(f"{previous} does not exist")
    prev = _previous_bundle(previous or out_path)
    prev_seq = prev.sequence if prev else 0
    sequence = sequence or prev_seq + 1
    if sequence <= prev_seq:
        raise click.ClickException(f"the sequence must go above the previous bundle's {prev_seq}")
    now = datetime.now(UTC).replace(microsecond=0)
    payload = kb.make_payload(origin=origin, sequence=sequence, issued=now, expires=now + timedelta(days=expires_days),
                              recipients=chosen)
    info, seed = ctx.keyring.root_seed(passphrase(False, passphrase_file), root_id)
    document = kb.sign_bundle(payload, seed)
    signed = kb.verify_bundle(document, info.public_key, origin=origin, min_sequence=prev_seq)  # as a phone will
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(document, indent=2) + "\n")
    root_out.write_text(json.dumps(kb.root_key_document(info.public_key), indent=2) + "\n")
    console.print(f"signed bundle sequence {sequence} for {markup(origin)}, expires in {expires_days} days "
                  f"→ {out_path}")
    for pk, role in chosen:
        out.print(f"  {role:8} {fingerprint(pk)}")
    out.print(f"  root     {info.fingerprint}")
    return signed


# --- server -------------------------------------------------------------------------------
@main.command()
@click.option("--server", required=True, help="e.g. https://signalement.example")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True,
              help="read the password from standard input (and the code from the next line, if any)")
@click.option("--code", help="the authenticator's code or a recovery code [default: asked]")
@pass_ctx
@_fail_cleanly
def login(ctx: Ctx, server, username, password_stdin, code):
    """Log in to the server; the token is kept in the desk folder (0600) until it expires."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        code = code or sys.stdin.readline().strip() or None
    else:
        password = click.prompt("Password", hide_input=True, err=True)
        code = code or click.prompt("Code (authenticator or recovery)", default="", show_default=False,
                                    err=True) or None
    # the device token from an earlier login: this desk's attempts are not slowed down by strangers'
    device = read_json(ctx.ws.device_file, {}).get(username)
    answer = Client(server).login(username, password, code, device)
    if answer.get("device"):
        write_json(ctx.ws.device_file, {**read_json(ctx.ws.device_file, {}), username: answer["device"]})
    write_json(ctx.ws.session_file, {"server": Client(server).server, "username": username,
                                     "token": answer["token"], "expires_at": answer["expires_at"]})
    console.print(f"logged in as {markup(username)} until {markup(answer['expires_at'])}")


@main.command()
@pass_ctx
@_fail_cleanly
def logout(ctx: Ctx):
    """Revoke the token and forget it."""
    try:
        ctx.client().logout()
    finally:
        ctx.ws.session_file.unlink(missing_ok=True)
    console.print("logged out")


@main.command()
@click.option("--quiet", is_flag=True, help="no progress bars")
@pass_ctx
@_fail_cleanly
def sync(ctx: Ctx, quiet):
    """Download the ciphertext that arrived since the last sync (resumes where it stopped)."""
    report = run_sync(ctx.client(), ctx.ws, show_progress=not quiet)
    console.print(f"{report.items} new items ({report.bytes} bytes) in {len(report.cases)} cases; "
                  f"cursor {report.cursor}")
    if report.deleted:
        console.print(f"{len(report.deleted)} cases deleted on the server (retention): their ciphertext and "
                      "decrypted files were removed from this desk")


@main.command()
@click.argument("case_ids", nargs=-1)
@passphrase_option
@pass_ctx
@_fail_cleanly
def decrypt(ctx: Ctx, case_ids, passphrase_file):
    """Decrypt synced cases (all by default) into HOME/cases/<case>/ and verify them."""
    case_ids = case_ids or ctx.ws.synced_cases()
    if not case_ids:
        raise click.ClickException("nothing synced yet: run `tipline-desk sync`")
    identities = ctx.keyring.identities(passphrase(False, passphrase_file))
    refused = 0
    progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                        console=console, transient=True)

    def hook(label: str, total: int):
        task = progress.add_task(f"decrypting {markup(label[:40])}", total=total)
        return lambda n: progress.advance(task, n)

    with progress:
        results = [decrypt_case(ctx.ws, cid, identities, hook) for cid in case_ids]
    table = Table("case", "verdict", "report", "attachments", "messages", "problems")
    for r in results:
        problems = "; ".join([f"{p.kind} {p.part}: {p.error_code}" for p in r.failures + r.missing]
                             + [f"attachment {p.part}: metadata kept (may identify the citizen)"
                                for p in r.attachments if p.metadata_kept]
                             # the claim is the sender's text: say that it differs, never what it says
                             + [f"attachment {p.part}: its bytes are not the type it claims"
                                for p in r.attachments if p.status == "verified" and p.media_type is not None
                                and p.media_type != (p.detected_media_type or "")])
        ok = sum(p.status == "verified" for p in r.attachments)
        row(table, r.case_id, r.verdict, r.report.status, f"{ok}/{len(r.attachments)}", str(len(r.messages)),
                      problems)
        refused += r.verdict == "REFUSED"
    out.print(table)
    console.print(f"decrypted into {ctx.ws.home / 'cases'}")
    if refused:
        raise click.ClickException(f"{refused} case(s) refused: see verification.json in each case folder")


@main.command()
@click.argument("case_id")
@click.argument("status", type=click.Choice(STATUSES))
@pass_ctx
@_fail_cleanly
def status(ctx: Ctx, case_id, status):
    """Set a case's triage status on the server."""
    case = ctx.client().set_status(case_id, status)
    meta = ctx.ws.load_case_meta(case_id)
    meta.update({k: v for k, v in case.items() if k != "items"})
    ctx.ws.save_case_meta(case_id, meta)
    console.print(f"case {markup(case_id)}: {markup(case['status'])}")


@main.command()
@click.argument("case_id")
@click.argument("officer", required=False)
@click.option("--nobody", is_flag=True, help="assign the case to nobody")
@pass_ctx
@_fail_cleanly
def assign(ctx: Ctx, case_id, officer, nobody):
    """Assign a case to an officer (as the unit writes names), seen by every desk at its next sync."""
    if bool(officer) == nobody:
        raise click.ClickException("name an officer, or give --nobody")
    case = ctx.client().set_assignee(case_id, None if nobody else officer)
    meta = ctx.ws.load_case_meta(case_id)
    meta.update({k: v for k, v in case.items() if k != "items"})
    ctx.ws.save_case_meta(case_id, meta)
    console.print(f"case {markup(case_id)}: assigned to {markup(case['assignee'] or 'nobody')}")


@main.command()
@pass_ctx
def cases(ctx: Ctx):
    """List synced cases with their triage status, unread citizen messages and last verification."""
    table = Table("case", "created", "status", "assignee", "items", "unread", "verdict")
    for cid in ctx.ws.synced_cases():
        meta = ctx.ws.load_case_meta(cid)
        ver = read_json(ctx.ws.case_dir(cid) / "verification.json", {})
        unread = unread_messages(meta)  # citizen messages after the police's read mark, from the synced feed
        row(table, cid, meta.get("created_at", "?"), meta.get("status", "?"), meta.get("assignee") or "",
            str(len(meta.get("items", {}))), str(unread) if unread else "", ver.get("verdict", "not decrypted"))
    out.print(table)


main.add_command(console_cmd)  # the local web console (desk/console)


@main.command("demo-setup", hidden=True)
@click.option("--keys-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--origin", required=True)
@passphrase_option
@pass_ctx
@_fail_cleanly
def demo_setup(ctx: Ctx, keys_dir, origin, passphrase_file):
    """Demo keys for a first run on a developer's machine. Never for real reports."""
    secret = passphrase(False, passphrase_file)
    root = ctx.keyring.keys("ed25519") or [ctx.keyring.generate("ed25519", secret, label="DEMO root",
                                                                profile="interactive")]
    enc = ctx.keyring.keys("x25519") or [ctx.keyring.generate("x25519", secret, label="DEMO encryption",
                                                              profile="interactive")]
    now = datetime.now(UTC).replace(microsecond=0)
    payload = kb.make_payload(origin=origin, sequence=int(now.timestamp()), issued=now,
                              expires=now + timedelta(days=30), recipients=[(enc[0].public_key, "primary")])
    _, seed = ctx.keyring.root_seed(secret, root[0].key_id)
    keys_dir.mkdir(parents=True, exist_ok=True)
    write_private(keys_dir / "bundle.json", (json.dumps(kb.sign_bundle(payload, seed), indent=2) + "\n").encode())
    write_private(keys_dir / "root-key.json",
                  (json.dumps(kb.root_key_document(root[0].public_key), indent=2) + "\n").encode())
    for path in (keys_dir / "bundle.json", keys_dir / "root-key.json"):
        os.chmod(path, 0o644)  # public documents
    console.print(f"demo bundle for {markup(origin)} written to {keys_dir}")


# `tipline-desk officer …` lives in its own module; it uses the helpers above.
from .officer_cli import officer  # noqa: E402

main.add_command(officer)

# `tipline-desk messages | reply | watch`: the conversation (desk/conversation_cli.py).
from .conversation_cli import COMMANDS as _CONVERSATION  # noqa: E402

for _command in _CONVERSATION:
    main.add_command(_command)

# `tipline-desk note | notes`: the unit's internal notes (desk/notes_cli.py).
from .notes_cli import COMMANDS as _NOTES  # noqa: E402

for _command in _NOTES:
    main.add_command(_command)
