"""golive's own run history: where it is kept, what it holds, trends of its figures."""
