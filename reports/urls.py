from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report, name="report"),
    path("revenue/", views.revenue, name="revenue"),
    path("rows/", views.rows, name="rows"),
    path("export/", views.export, name="export"),
    path("exports/<uuid:token>/", views.export_job, name="export_job"),
    path("exports/<uuid:token>/download/", views.export_download, name="export_download"),
    path("saved/", views.saved_save, name="saved_save"),
    path("saved/<int:pk>/", views.saved_run, name="saved_run"),
    path("saved/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
    path("platform/", views.platform, name="platform"),
    path("platform/live/", views.platform_live, name="platform_live"),
]
