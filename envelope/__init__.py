"""Envelope v1: the sealed format the phone, the server and the operators' desk share.

This package is pure: it never opens files, sockets or databases; it works on bytes
and on file-like objects handed to it. It is split so that code which only needs to
*inspect* envelopes (the server) never imports code that can *open* them:

- ``constants``, ``errors``, ``padding``, ``keys``, ``header``, ``framing``: layout only.
- ``seal``: encryption to public keys (the phone, tests).
- ``open``: decryption with private keys (the desk only; the server must not import it).
- ``manifest``: the report's binding of its attachments.
- ``bundle``: signed key bundles (sign on the desk, verify everywhere).

Nothing is imported here on purpose: ``import envelope`` must stay cheap and must not
pull the decrypting code into a process that does not ask for it.
"""
