from django.urls import path

from hms.urls import urlpatterns as hms_urlpatterns


def boom(request):
    return 1 / 0


urlpatterns = [*hms_urlpatterns, path("boom/", boom)]
