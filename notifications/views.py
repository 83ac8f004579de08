from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from hms.inputs import parse_ids
from notifications.forms import PreferencesForm
from notifications.presence import busy_among, online_among
from notifications.selectors import latest_notifications, notifications_of, unread_count
from notifications.services import (
    NotificationError,
    notification_mark_read,
    notifications_mark_all_read,
    preference_choices,
    preferences_update,
)


def _back(request, fallback: str = "notifications:list"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
def notification_list(request):
    page = Paginator(notifications_of(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_GET
def summary(request):
    """What the bell needs: the unread count and the latest few items (read again after every poke)."""
    items = [
        {
            "id": n.pk,
            "kind": n.kind,
            "kind_label": n.get_kind_display(),
            "title": n.title,
            "body": n.body,
            "url": n.url,
            "read": n.read_at is not None,
            "created_at": n.created_at.isoformat(),
        }
        for n in latest_notifications(request.user)
    ]
    response = JsonResponse({"unread": unread_count(request.user), "items": items})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    notification_mark_read(actor=request.user, notification=notification)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    count = notifications_mark_all_read(actor=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return _back(request)


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, user=request.user, initial_choices=preference_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            preferences_update(actor=request.user, choices=form.choices())
        except NotificationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@require_GET
def presence(request):
    """Which of the given doctors are online now (public: the directory shows it to everyone)."""
    ids = parse_ids(request.GET.getlist("doctor")[:200])
    online = online_among(ids)
    response = JsonResponse({"online": sorted(online), "busy": sorted(busy_among(online))})
    response["Cache-Control"] = "no-store"
    return response
