"""Helpers shared by the tests (not tests): leak counters and the recorded provider streams."""
