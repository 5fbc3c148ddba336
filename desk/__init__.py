"""The operators' desk: runs on an operator's own machine, holds the private keys.

keygen and bundle signing, login to the server, sync of ciphertext, local decryption and
verification, triage status. It never sends plaintext or a private key anywhere; decrypted
files are written readable by their owner only.
"""
