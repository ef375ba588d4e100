"""`python -m golive` is the golive command."""

from golive.cli.main import main

main()
