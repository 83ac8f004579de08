from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Connects the login receiver that stamps the session's idle refresh (hms.middleware), also for logins
        # that happen before any request has loaded the middleware (test clients, management commands).
        import hms.middleware
        import hms.sockets  # noqa: F401 - closes a session's websockets on logout (issue 11)
