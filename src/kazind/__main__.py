"""``python -m kazind``: the same as the ``kazind`` command."""

from kazind.cli import main

main()
