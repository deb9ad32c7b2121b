"""``python -m reporter`` runs the command line."""

from reporter.console import main

main()
