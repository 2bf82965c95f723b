"""The public facades: one object per runnable serving sync and async callers (see runnable.py)."""
