"""The anthropic provider: wire structs, request building, stream reading, facades."""
