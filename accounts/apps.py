from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connects the login receiver that stamps the session's idle refresh (hms.middleware), also for logins
        # that happen before any request has loaded the middleware (test clients, management commands).
        import hms.middleware  # noqa: F401
