"""`python -m golive` is the golive command."""

from golive.cli import main

main()
