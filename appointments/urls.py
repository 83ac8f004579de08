from django.urls import path

from appointments import views
from appointments.call_views import call_urlpatterns

app_name = "appointments"

urlpatterns = [
    path("", views.appointment_list, name="list"),
    path("book/<int:doctor_id>/", views.book, name="book"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/confirmed/", views.confirmed, name="confirmed"),
    path("<int:pk>/calendar.ics", views.calendar_file, name="ics"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/share-record/", views.share_record, name="share_record"),
    path("<int:pk>/<str:action>/", views.mark, name="mark"),
    path("doctor/day/", views.doctor_day, name="doctor_day"),
    path("doctor/week/", views.doctor_week, name="doctor_week"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/<int:pk>/dates/", views.schedule_validity, name="schedule_validity"),
    path("schedule/ranges/<int:pk>/delete/", views.schedule_range_delete, name="schedule_range_delete"),
    path("time-off/", views.time_off, name="time_off"),
    path("time-off/<int:pk>/", views.time_off_detail, name="time_off_detail"),
    path("time-off/<int:pk>/delete/", views.time_off_delete, name="time_off_delete"),
    path("hospital/schedules/", views.hospital_week, name="hospital_week"),
    path("hospital/patients/", views.hospital_patients, name="hospital_patients"),
    path("desk/", views.desk, name="desk"),
    path("desk/book/", views.desk_book, name="desk_book"),
    path("desk/register/", views.desk_register, name="desk_register"),
]

# Video consultations (issue 7): the call page, its ICE servers, the call record. First, so that
# "<pk>/call/" is not taken for a status action by "<pk>/<action>/" above.
urlpatterns[:0] = call_urlpatterns
