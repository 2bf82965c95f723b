"""The openai provider: wire structs, request building, stream reading, facades."""
