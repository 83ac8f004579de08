from django.urls import path, re_path

from api.errors import json_not_found
from api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    re_path(r"^Patient/(?P<pk>[^/]+)/\$everything$", views.EverythingView.as_view(), name="everything"),
    re_path(r"^(?P<kind>[A-Za-z]+)$", views.SearchView.as_view(), name="search"),
    re_path(r"^(?P<kind>[A-Za-z]+)/(?P<pk>[^/$]+)$", views.ReadView.as_view(), name="read"),
    re_path(r"^.*$", json_not_found),
]
