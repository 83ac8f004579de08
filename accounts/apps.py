from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        import hms.sockets  # noqa: F401 - closes a session's websockets on logout (issue 11)
