"""A minimal RFC 5545 calendar file for one appointment (so patients can add it to their calendar)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment


def _escape(text: str) -> str:
    # RFC 5545 TEXT: backslash, semicolon and comma escaped; every line break (CRLF, bare CR or LF) becomes "\n",
    # so no user text can end a property line and start a new one.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    # Lines longer than 75 octets continue on the next line after a space.
    chunks, raw = [], line.encode()
    while len(raw) > 75:
        cut = 75
        while (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        chunks.append(raw[:cut].decode())
        raw = raw[cut:]
    chunks.append(raw.decode())
    return "\r\n ".join(chunks)


def appointment_calendar(request, appointment: Appointment, *, show_reason: bool = True) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    hospital = appointment.hospital
    where = (
        "Video consultation" if appointment.mode == Appointment.Mode.VIDEO else f"{hospital.name}, {hospital.address}"
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//HMS//Appointments//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@{request.get_host().split(':')[0]}",
        f"DTSTAMP:{timezone.now().astimezone(datetime.UTC):{stamp}}",
        f"DTSTART:{appointment.start_at.astimezone(datetime.UTC):{stamp}}",
        f"DTEND:{appointment.end_at.astimezone(datetime.UTC):{stamp}}",
        f"SUMMARY:{_escape(f'Appointment with {appointment.doctor.display_name}')}",
        f"LOCATION:{_escape(where)}",
        f"DESCRIPTION:{_escape((appointment.reason if show_reason else '') or 'Appointment')}",
        f"URL:{request.build_absolute_uri(reverse('appointments:detail', args=[appointment.pk]))}",
        "STATUS:CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
