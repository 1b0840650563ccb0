"""The audit log: immutable events for every link, key and credential change."""
