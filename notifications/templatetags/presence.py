"""{% load presence %}{% doctor_presence_badge doctor %}: a live "Online / Offline" badge for a
DoctorProfile. The badge loads static/js/presence.js, which keeps it up to date over /ws/presence/."""

from django import template

from notifications.presence import presence_state

register = template.Library()


@register.inclusion_tag("notifications/presence_badge.html")
def doctor_presence_badge(doctor) -> dict:
    state = presence_state(doctor.pk)
    return {"doctor_id": doctor.pk, "online": state != "offline", "state": state, "name": doctor.display_name}
