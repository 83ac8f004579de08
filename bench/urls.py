from django.http import HttpResponse
from django.urls import path

from hms.urls import handler403, handler404, handler500  # noqa: F401
from hms.urls import urlpatterns as hms_urlpatterns


def hello(request):
    """Django's floor on this server: the whole middleware stack, no database, no template."""
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello, name="bench_hello"), *hms_urlpatterns]
