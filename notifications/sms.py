"""SMS through a small provider interface: a log backend by default and a Twilio-compatible REST
adapter. Pick one with settings.SMS_BACKEND (a dotted path)."""

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("hms.sms")


class SmsError(Exception):
    """The provider did not accept the message (network error or a non-2xx answer)."""


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Send one message; return the provider's message id. Raise SmsError on failure."""


class LogSmsBackend:
    """Writes the message to the log: the embedded default, nothing leaves the machine."""

    def send(self, *, to: str, body: str) -> str:
        logger.info("SMS to %s: %s", to, body)
        return "logged"


class TwilioSmsBackend:
    """Twilio's Messages API (and compatible providers): a form-encoded POST with basic auth to
    {base}/2010-04-01/Accounts/{sid}/Messages.json."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_number: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = (base_url or settings.SMS_API_BASE_URL).rstrip("/")
        self.account_sid = account_sid or settings.SMS_ACCOUNT_SID
        self.auth_token = auth_token or settings.SMS_AUTH_TOKEN
        self.from_number = from_number or settings.SMS_FROM_NUMBER
        self.timeout = timeout or settings.SMS_TIMEOUT
        if not self.base_url.startswith(("https://", "http://")):
            raise SmsError("SMS_API_BASE_URL must be an http(s) URL.")
        if not (self.account_sid and self.auth_token and self.from_number):
            raise SmsError("The SMS provider needs SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM_NUMBER.")

    def send(self, *, to: str, body: str) -> str:
        url = f"{self.base_url}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.from_number, "Body": body}).encode()
        token = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {token}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            raise SmsError(f"SMS provider answered {error.code}: {detail}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"SMS provider unreachable: {error}") from error
        try:
            return str(json.loads(payload).get("sid", ""))
        except ValueError as error:
            raise SmsError("SMS provider answered with something that is not JSON.") from error


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
