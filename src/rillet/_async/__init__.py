"""The hand-written async implementation; ``codegen/`` generates ``rillet._sync`` from it."""
