"""Support staff's "Generate login link" screens in the Django admin (forms, views, actions)."""
