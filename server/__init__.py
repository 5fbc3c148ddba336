"""The tip line's server: stores ciphertext, serves the citizen app, never holds a private key.

It may import ``envelope.header``, ``envelope.framing``, ``envelope.bundle`` and other layout
code, never ``envelope.open`` nor the ``desk`` package (tests/test_layout.py checks).
"""

from .app import create_app

__all__ = ["create_app"]
