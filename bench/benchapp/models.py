"""The baseline's table: one row per baseline request, nothing else."""

from django.db import models
from django.utils import timezone


class BenchRow(models.Model):
    key_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"bench row {self.pk}"
