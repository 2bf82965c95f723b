"""The ollama provider: wire structs, request building, stream reading, facades."""
