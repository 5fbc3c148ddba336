"""``tipline-desk officer add/remove/list``: the unit's roster, each change a newly signed bundle.

Run where the root key is (often an offline machine): every change needs the root key's
passphrase, and the roster sits beside the root key in the keyring folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from envelope import bundle as kb

from . import officers as roster
from .cli import Ctx, _fail_cleanly, _previous_bundle, _sign_and_write, console, out, pass_ctx, passphrase_option
from .keyring import parse_public_key_document
from .safe import markup, row


def _bundle_options(fn):
    """Where the bundle is and how to sign the next one (the same meaning as in sign-bundle)."""
    options = [
        click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
                     default=Path("keys/bundle.json"), show_default=True, help="the bundle to replace"),
        click.option("--root-out", type=click.Path(dir_okay=False, path_type=Path),
                     default=Path("keys/root-key.json"), show_default=True),
        click.option("--origin", help="default: the origin of the bundle being replaced"),
        click.option("--expires-days", default=60, show_default=True, type=click.IntRange(1, kb.MAX_LIFETIME.days)),
        click.option("--root", "root_id", help="the root key to sign with, if the keyring has several"),
        passphrase_option,
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.group()
def officer():
    """The unit's officers: each holds an own encryption key; the bundle names them all."""


def _load(ctx: Ctx, out_path: Path) -> tuple[Path, list[roster.Officer]]:
    path = roster.roster_path(ctx.keyring.path)
    officers = roster.load(path)
    if officers is None:
        previous = _previous_bundle(out_path)
        officers = roster.from_bundle(previous) if previous else []
        if officers:
            console.print(f"no roster yet: starting one from {markup(out_path)} ({len(officers)} keys, "
                          "named by key id)")
    return path, officers


def _resign(ctx: Ctx, path: Path, officers: list[roster.Officer], *, out_path, root_out, origin, expires_days,
            root_id, passphrase_file) -> None:
    previous = _previous_bundle(out_path)
    origin = origin or (previous.origin if previous else None)
    if not origin:
        raise click.ClickException("no bundle to take the origin from: give --origin")
    # the bundle first: if signing fails (wrong passphrase), the roster still says what phones use
    _sign_and_write(ctx, origin=origin, chosen=roster.recipients(officers), expires_days=expires_days, sequence=None,
                    previous=None, root_id=root_id, out_path=out_path, root_out=root_out,
                    passphrase_file=passphrase_file)
    roster.save(path, officers)


@officer.command("add")
@click.argument("name")
@click.option("--key", "key_id", help="an encryption key of this keyring (its key id or a prefix)")
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the officer's exported public key (tipline-desk export-public on their machine)")
@click.option("--role", type=click.Choice(kb.ROLES), default="primary", show_default=True,
              help="backup: a key kept elsewhere, for when the unit's keys are lost")
@_bundle_options
@pass_ctx
@_fail_cleanly
def add(ctx: Ctx, name, key_id, key_file, role, out_path, root_out, origin, expires_days, root_id, passphrase_file):
    """Add an officer's key and sign a new bundle naming it (phones encrypt to it from their next fetch)."""
    if bool(key_id) == bool(key_file):
        raise click.ClickException("give exactly one of --key and --key-file")
    if key_file:
        public_key = parse_public_key_document(json.loads(key_file.read_text()))
    else:
        public_key = ctx.keyring.find(key_id, "x25519").public_key
    path, officers = _load(ctx, out_path)
    officers = roster.add(officers, name, public_key, role)
    _resign(ctx, path, officers, out_path=out_path, root_out=root_out, origin=origin, expires_days=expires_days,
            root_id=root_id, passphrase_file=passphrase_file)
    console.print(f"{markup(name)} added ({role}); install {markup(out_path)} on the server")


@officer.command("remove")
@click.argument("name")
@_bundle_options
@pass_ctx
@_fail_cleanly
def remove(ctx: Ctx, name, out_path, root_out, origin, expires_days, root_id, passphrase_file):
    """Remove an officer's key and sign a new bundle without it (new cases are no longer sealed to it)."""
    path, officers = _load(ctx, out_path)
    officers = roster.remove(officers, name)
    _resign(ctx, path, officers, out_path=out_path, root_out=root_out, origin=origin, expires_days=expires_days,
            root_id=root_id, passphrase_file=passphrase_file)
    console.print(f"{markup(name)} removed; install {markup(out_path)} on the server, and close their server account "
                  "(docs/operations.md, 'Officers')")


@officer.command("list")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("keys/bundle.json"),
              show_default=True, help="the bundle to compare the roster with")
@pass_ctx
@_fail_cleanly
def list_(ctx: Ctx, out_path):
    """The roster, and whether the current bundle names each key."""
    officers = roster.load(roster.roster_path(ctx.keyring.path)) or []
    bundle = _previous_bundle(out_path)
    in_bundle = {r.public_key for r in bundle.recipients} if bundle else set()
    table = Table("officer", "role", "key id", "fingerprint", "added",
                  f"in bundle {bundle.sequence if bundle else '-'}")
    for o in officers:
        row(table, o.name, o.role, o.key_id, o.fingerprint, o.added, "yes" if o.public_key in in_bundle else "NO")
    out.print(table)
    stray = in_bundle - {o.public_key for o in officers}
    if stray:
        console.print(f"[bold]{len(stray)} key(s) in the bundle are not on the roster[/bold]: sign again with "
                      "`tipline-desk officer add/remove`")
