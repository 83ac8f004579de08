"""{% load presence %}{% doctor_presence_badge doctor %}: a live "Online / Offline" badge for a
DoctorProfile. The badge loads static/js/presence.js, which keeps it up to date over /ws/presence/."""

from django import template

from notifications.presence import is_online

register = template.Library()


@register.inclusion_tag("notifications/presence_badge.html")
def doctor_presence_badge(doctor) -> dict:
    return {"doctor_id": doctor.pk, "online": is_online(doctor.pk), "name": doctor.display_name}
