"""Tests of the tooling: the sync-twin generator (codegen/) and the shipped fake server (rillet.testing)."""
