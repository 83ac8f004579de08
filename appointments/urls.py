from appointments.call_views import call_urlpatterns

app_name = "appointments"

urlpatterns: list = []

# Video consultations (issue 7): the call page, its ICE servers, the call record.
urlpatterns += call_urlpatterns
