"""Every write about notifications: recording them, reading them, preferences, outside delivery
(e-mail / SMS, run by Celery tasks) and appointment reminders."""

import datetime
import logging
import uuid
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment
from notifications.models import Channel, Delivery, DeliveryAttempt, Notification, NotificationPreference, ReminderSent
from notifications.sms import get_sms_backend

logger = logging.getLogger("hms.notifications")

Kind = Notification.Kind


class NotificationError(Exception):
    """A rule refused the change; the message is shown to the user as it is."""


def user_group_name(user_id: int) -> str:
    return f"user-{user_id}"


def _poke(user_id: int) -> None:
    """Tell the user's open tabs that something new exists; they re-read from the database."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(user_group_name(user_id), {"type": "notification.poke"})


# --- preferences ---------------------------------------------------------------------------------


def preference_choices(user: User) -> dict[str, dict[str, bool]]:
    """{kind: {"email": bool, "sms": bool}} for every kind; kinds without a saved row get the defaults."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    choices = {}
    for kind in Kind.values:
        pref = saved.get(kind)
        choices[kind] = {"email": pref.email if pref else True, "sms": pref.sms if pref else False}
    return choices


def delivery_channels(*, recipient: User, kind: str) -> list[str]:
    """The outside channels this notification goes to (in-app always happens: it is the row itself)."""
    pref = NotificationPreference.objects.filter(user=recipient, kind=kind).first()
    channels = []
    if (pref.email if pref else True) and recipient.email:
        channels.append(Channel.EMAIL)
    if (pref.sms if pref else False) and recipient.phone:
        channels.append(Channel.SMS)
    return channels


@transaction.atomic
def preferences_update(*, actor: User, choices: dict[str, dict[str, bool]]) -> None:
    """Save the actor's channel choices. SMS cannot be switched on without a phone number."""
    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise NotificationError("Unknown kind of notification.")
    if not actor.phone and any(choice.get("sms") for choice in choices.values()):
        raise NotificationError("Add a phone number to your profile before switching on SMS.")
    for kind, choice in choices.items():
        NotificationPreference.objects.update_or_create(
            user=actor, kind=kind, defaults={"email": bool(choice.get("email")), "sms": bool(choice.get("sms"))}
        )


# --- recording and reading -----------------------------------------------------------------------


def _enqueue_deliveries(notification_id: int, channels: Iterable[str]) -> None:
    from notifications.tasks import deliver_notification

    for channel in channels:
        deliver_notification.apply_async((notification_id, channel), queue=settings.NOTIFICATIONS_QUEUE)


def notify(*, recipient: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Record a notification and its outbox rows (one Delivery per outside channel) in the caller's transaction.

    After commit the deliveries are enqueued at once (the fast path) and the recipient's tabs are poked. If that
    enqueue is lost (broker down, web process killed right after commit), the rows are still pending and the
    sweeper (outbox_sweep) enqueues them a few seconds later. A rolled-back booking leaves no rows: nobody is told."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, title=title, body=body, url=url)
    channels = delivery_channels(recipient=recipient, kind=kind)
    now = timezone.now()
    Delivery.objects.bulk_create(
        [Delivery(notification=notification, channel=channel, next_attempt_at=now) for channel in channels]
    )
    transaction.on_commit(lambda: _poke(recipient.pk), robust=True)
    if channels:
        # robust: a broker outage must not turn the user's committed booking into an error page.
        transaction.on_commit(lambda: _enqueue_deliveries(notification.pk, channels), robust=True)
    return notification


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise NotificationError("This notification is not yours.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        # The user's other tabs update their bell too.
        transaction.on_commit(lambda: _poke(actor.pk), robust=True)
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        transaction.on_commit(lambda: _poke(actor.pk), robust=True)
    return count


# --- outside delivery (called by the Celery task) -----------------------------------------------


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def _send_email(notification: Notification) -> str:
    context = {"notification": notification, "link": absolute_url(notification.url), "user": notification.recipient}
    message = EmailMultiAlternatives(
        subject=f"HMS: {notification.title}",
        body=render_to_string("notifications/email/notification.txt", context),
        to=[notification.recipient.email],
    )
    message.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
    message.send(fail_silently=False)
    return notification.recipient.email


def _send_sms(notification: Notification) -> str:
    phone = notification.recipient.phone
    if not phone:
        raise NotificationError("The recipient has no phone number.")
    text = " ".join(part for part in ["HMS:", notification.title, notification.body] if part)
    link = absolute_url(notification.url)
    if len(text) > 300:
        text = text[:297] + "…"
    get_sms_backend().send(to=phone, body=f"{text} {link}".strip())
    return phone


SENDERS = {Channel.EMAIL: _send_email, Channel.SMS: _send_sms}


def _claim(delivery_id: int) -> str | None:
    """Take the lease on a due row with one conditional UPDATE (no lock held afterwards); None if the row is sent,
    gave up, or leased by another sender right now."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_until=now + datetime.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS),
            lease_token=token,
            attempts=F("attempts") + 1,
        )
    )
    return token if claimed else None


def delivery_attempt(*, notification_id: int, channel: str, final: bool) -> str:
    """One try at sending `notification_id` on `channel`. Idempotent with a lease: the sender first claims the
    (notification, channel) outbox row, then calls the provider with no transaction or row lock open, then
    records the outcome only if it still holds the lease. A row already sent, given up, or leased by another
    sender is skipped, so a re-delivered or re-swept task never sends twice.

    Returns a DeliveryAttempt outcome ("sent", "failed", "gave_up") or "skipped". Each real try is logged."""
    if channel not in SENDERS:
        raise ValueError(f"unknown channel {channel!r}")
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return "skipped"
    try:  # rows written before the outbox existed (or by hand) get theirs now
        with transaction.atomic():
            delivery, _ = Delivery.objects.get_or_create(
                notification=notification, channel=channel, defaults={"next_attempt_at": timezone.now()}
            )
    except IntegrityError:
        delivery = Delivery.objects.get(notification=notification, channel=channel)
    token = _claim(delivery.pk)
    if token is None:
        return "skipped"
    mine = Delivery.objects.filter(pk=delivery.pk, lease_token=token)
    attempt_number = mine.values_list("attempts", flat=True).first() or 0
    try:
        destination = SENDERS[channel](notification)
    except Exception as error:  # any provider failure is logged and retried
        outcome = DeliveryAttempt.Outcome.GAVE_UP if final else DeliveryAttempt.Outcome.FAILED
        retry_at = timezone.now() + datetime.timedelta(seconds=retry_countdown(max(attempt_number - 1, 0)))
        with transaction.atomic():
            if mine.update(
                status=Delivery.Status.GAVE_UP if final else Delivery.Status.FAILED,
                next_attempt_at=retry_at, lease_until=None, lease_token="",
            ):  # fmt: skip
                DeliveryAttempt.objects.create(
                    delivery_id=delivery.pk, number=attempt_number, outcome=outcome,
                    error=f"{type(error).__name__}: {error}",
                )  # fmt: skip
        logger.warning("%s delivery of notification %s: %s (%s)", channel, notification_id, outcome, error)
        return outcome
    with transaction.atomic():
        recorded = mine.update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), destination=destination, lease_until=None,
            lease_token="",
        )  # fmt: skip
        DeliveryAttempt.objects.create(
            delivery_id=delivery.pk, number=attempt_number, outcome=DeliveryAttempt.Outcome.SENT
        )
    if not recorded:  # our lease ran out while the provider was slow: say so loudly, it may have gone twice
        logger.error("%s delivery of notification %s outlived its lease", channel, notification_id)
    return DeliveryAttempt.Outcome.SENT


def outbox_sweep(*, limit: int = 500) -> int:
    """Enqueue every outbox row still due after NOTIFICATIONS_OUTBOX_DELAY_SECONDS and not leased: the rows whose
    enqueue was lost (broker down at commit, web process killed right after commit) or whose sender died
    (worker killed: its lease expires). Run by Celery beat every few seconds; safe to run twice at once."""
    from notifications.tasks import deliver_notification

    now = timezone.now()
    due = (
        Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
        .filter(next_attempt_at__lte=now - datetime.timedelta(seconds=settings.NOTIFICATIONS_OUTBOX_DELAY_SECONDS))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("notification_id", "channel")[:limit]
    )
    count = 0
    for notification_id, channel in due:
        deliver_notification.apply_async((notification_id, channel), queue=settings.NOTIFICATIONS_QUEUE)
        count += 1
    if count:
        logger.info("Outbox sweep enqueued %d delivery(ies)", count)
    return count


def retry_countdown(retries: int) -> float:
    """Exponential backoff: base, 2·base, 4·base … capped."""
    return min(settings.NOTIFICATIONS_RETRY_BASE_SECONDS * (2**retries), settings.NOTIFICATIONS_RETRY_MAX_SECONDS)


# --- reminders -----------------------------------------------------------------------------------

REMINDABLE_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)


def reminder_leads() -> list[tuple[str, datetime.timedelta]]:
    return [
        (ReminderSent.Kind.DAY_BEFORE, datetime.timedelta(minutes=settings.REMINDER_DAY_BEFORE_MINUTES)),
        (ReminderSent.Kind.SHORTLY_BEFORE, datetime.timedelta(minutes=settings.REMINDER_SHORTLY_BEFORE_MINUTES)),
    ]


def appointment_link(appointment: Appointment, *, call: bool = False) -> str:
    """The page an appointment notification opens: the video call page for a video reminder, else the
    appointment's page; the dashboard while those pages do not exist in this build."""
    names = (["appointments:call"] if call else []) + ["appointments:detail"]
    for name in names:
        try:
            return reverse(name, args=[appointment.pk])
        except NoReverseMatch:
            continue
    return reverse("dashboard")


def local_time_label(appointment: Appointment) -> str:
    local = timezone.localtime(appointment.start_at, appointment.hospital.tz)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"


def _due_appointments(*, kind: str, lead: datetime.timedelta, now: datetime.datetime, shortly: datetime.timedelta):
    reminder_moment = ExpressionWrapper(F("start_at") - lead, output_field=DateTimeField())
    booked_in_time = Q(created_at__lt=reminder_moment)
    if kind == ReminderSent.Kind.DAY_BEFORE:
        # Booked less than a day ahead: the day-before reminder goes out a few hours before instead (at
        # REMINDER_LATE_BOOKING_MINUTES), if the booking was made before that; the confirmation came at booking.
        late_lead = datetime.timedelta(minutes=settings.REMINDER_LATE_BOOKING_MINUTES)
        late_moment = ExpressionWrapper(F("start_at") - late_lead, output_field=DateTimeField())
        booked_in_time |= Q(created_at__lt=late_moment, start_at__lte=now + late_lead)
    due = (
        Appointment.objects.filter(status__in=REMINDABLE_STATUSES, start_at__gt=now, start_at__lte=now + lead)
        # Booked after the reminder moment: the booking confirmation already told them.
        .filter(booked_in_time)
        .exclude(reminders__kind=kind)
        .select_related("patient__user", "doctor__user", "hospital")
        .order_by("start_at")
    )
    if kind == ReminderSent.Kind.DAY_BEFORE:
        # Inside the short window only the short reminder goes out (never two at once).
        due = due.filter(start_at__gt=now + shortly)
    return due


def _send_reminder(appointment: Appointment, kind: str) -> None:
    when = local_time_label(appointment)
    video = appointment.mode == Appointment.Mode.VIDEO
    call_link = video and kind == ReminderSent.Kind.SHORTLY_BEFORE
    url = appointment_link(appointment, call=call_link)
    where = "Video consultation" if video else appointment.hospital.name
    extra = f" Join the video call: {absolute_url(url)}" if call_link else ""
    notify(
        recipient=appointment.patient.user,
        kind=Kind.APPOINTMENT_REMINDER,
        title=f"Reminder: {appointment.doctor.display_name} at {when}",
        body=f"{where}.{extra}",
        url=url,
    )
    notify(
        recipient=appointment.doctor.user,
        kind=Kind.APPOINTMENT_REMINDER,
        title=f"Reminder: {appointment.patient.user.full_name} at {when}",
        body=f"{where}.{extra}",
        url=url,
    )


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Send every reminder that is due and not yet sent; returns how many went out.

    Marking an appointment reminded and recording (and, on commit, delivering) its notifications
    happen in one transaction, and ReminderSent is unique per (appointment, kind): running this twice,
    or twice at once, sends each reminder once."""
    now = now or timezone.now()
    shortly = datetime.timedelta(minutes=settings.REMINDER_SHORTLY_BEFORE_MINUTES)
    sent = 0
    for kind, lead in reminder_leads():
        for appointment in _due_appointments(kind=kind, lead=lead, now=now, shortly=shortly):
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(appointment=appointment, kind=kind)
                    _send_reminder(appointment, kind)
            except IntegrityError:
                continue  # another run sent this one a moment ago
            sent += 1
    return sent
