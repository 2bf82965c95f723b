"""``python -m rillet``: the ``rillet`` command (see ``rillet --help``)."""

from _rillet_cli import console_main

if __name__ == "__main__":
    console_main()
