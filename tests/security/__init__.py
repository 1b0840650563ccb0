"""Attack tests: each reproduces a finding of the adversarial review (docs/security.md)."""
