"""The load benchmark (`make bench`) and its bench-only Django app (never used in production)."""
