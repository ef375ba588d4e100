"""The golive command line: `golive run`, `golive criteria`, `golive demo`."""
