"""Error reporting: Sentry (or GlitchTip, or self-hosted Sentry) when SENTRY_DSN is set; else ADMINS e-mail."""

from ops.request_id import request_id_var


def _tag_request_id(event, hint):
    request_id = request_id_var.get()
    if request_id != "-":
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def init_sentry(dsn: str, *, environment: str = "production", release: str = "", traces_sample_rate: float = 0.0):
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        # Clinical data: no user identity, request bodies, SQL parameters or local variables (which may hold a
        # patient's record) leave the hospital with an error report; cookies and headers are scrubbed.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        before_send=_tag_request_id,
    )
