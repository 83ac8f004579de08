from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from notifications.selectors import notifications_of


@login_required
def notification_list(request):
    page = Paginator(notifications_of(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})
