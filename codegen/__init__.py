"""The generator of the sync twin (``gen_sync.py``) and its replacement tables."""
