"""Unit tests of the pure modules (no I/O, no async/sync): wire decoders, provider readers, retry maths, secrets."""
