"""Pure wire decoding: SSE and NDJSON over bytes, the stream-reader protocol, size limits."""
