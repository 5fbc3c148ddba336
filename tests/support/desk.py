"""Drive the real desk and server command lines in subprocesses, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "a long test passphrase, not a real one"


def desk(home: Path, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "TIPLINE_DESK_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "desk", "--home", str(home), *args], cwd=REPO, env=env,
                          input=stdin, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"tipline-desk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def server_cli(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "server", *args], cwd=REPO, env={**os.environ, **env}, input=stdin,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"tipline-server {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def make_keys(home: Path, keys_dir: Path, origin: str) -> None:
    """Root and encryption keys with the desk, then a signed bundle into ``keys_dir``."""
    desk(home, "keygen", "--root", "--kdf", "interactive", "--label", "test root")
    desk(home, "keygen", "--kdf", "interactive", "--label", "test desk")
    desk(home, "sign-bundle", "--origin", origin, "--out", str(keys_dir / "bundle.json"),
         "--root-out", str(keys_dir / "root-key.json"))
