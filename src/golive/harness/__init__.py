"""The pytest layer: plugin, target fixtures, shared sessions. Only it imports pytest."""
