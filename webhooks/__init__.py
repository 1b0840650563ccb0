"""Signed webhooks for partners: endpoints, an outbox of deliveries, and their delivery."""
