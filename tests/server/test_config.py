"""Settings: paths are named by the deployment, never taken from inside the code's folder."""

from pathlib import Path

import pytest

import server
from server.config import Settings


def test_paths_must_be_named():
    with pytest.raises(ValueError, match="TIPLINE_KEYS_DIR") as refused:
        Settings.from_env(env={})
    assert "DATABASE_URL or TIPLINE_DATA_DIR" in str(refused.value)
    with pytest.raises(ValueError, match="TIPLINE_KEYS_DIR"):
        Settings.from_env(env={"TIPLINE_DATA_DIR": "/srv/tipline"})


def test_paths_follow_the_data_dir_and_nothing_points_into_the_checkout(tmp_path):
    s = Settings.from_env(env={"TIPLINE_DATA_DIR": str(tmp_path), "TIPLINE_KEYS_DIR": str(tmp_path / "k")})
    assert s.database_url == f"sqlite:///{tmp_path / 'tipline.sqlite3'}"
    assert s.blob_dir == tmp_path / "blobs" and s.keys_dir == tmp_path / "k" and s.pwa_dir is None
    checkout = Path(server.__file__).resolve().parents[1]
    for value in (s.database_url, s.blob_dir, s.keys_dir):
        assert str(checkout) not in str(value)
    s = Settings.from_env(env={"DATABASE_URL": "sqlite:////x.sqlite3", "TIPLINE_BLOB_DIR": "/b",
                               "TIPLINE_KEYS_DIR": "/k", "TIPLINE_PWA_DIR": "/p"})
    assert (s.blob_dir, s.keys_dir, s.pwa_dir) == (Path("/b"), Path("/k"), Path("/p"))
