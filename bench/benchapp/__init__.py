"""Bench-only endpoints: the baseline (key auth + one insert) and the django-sesame peer."""
