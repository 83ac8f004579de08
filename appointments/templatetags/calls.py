from django import template

from appointments import calls

register = template.Library()


@register.simple_tag
def call_status_of(appointment) -> calls.CallStatus:
    """The "Join video call" state of an appointment right now (see appointments.calls.call_status)."""
    return calls.call_status(appointment)
