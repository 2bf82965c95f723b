"""Pure values: outputs, messages, tools, events, errors, config. No I/O, no async/sync."""
