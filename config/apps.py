"""App config for project-wide pieces (deployment checks)."""

from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "config"
    label = "project"
    verbose_name = "Project"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
