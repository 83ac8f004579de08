from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("summary/", views.summary, name="summary"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("settings/", views.preferences, name="preferences"),
    path("presence/", views.presence, name="presence"),
]
