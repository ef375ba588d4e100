"""Facts: everything golive reads from the world. Nothing here judges."""
