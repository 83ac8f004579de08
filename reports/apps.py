from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from reports import live  # noqa: F401  (connects the platform-statistics pokes)
