import csv
import io
import re
import zipfile

import pytest
from django.urls import reverse

from appointments.models import Appointment
from reports.models import ExportJob, SavedReport
from reports.tests.conftest import FIRST, LAST

pytestmark = pytest.mark.django_db
RANGE = {"date_from": FIRST.isoformat(), "date_to": LAST.isoformat()}


def test_report_page_shows_every_metric_with_links_and_the_chosen_filters(
    client_for, known, django_assert_max_num_queries
):
    client = client_for(known["admin"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:report"), RANGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-metric="no-show-rate">20.0%' in page
    assert 'data-metric="cancellation-rate">33.3%' in page
    assert 'data-metric="utilisation">14.0%' in page
    assert 'data-metric="wait-median">20 min' in page
    assert 'data-metric="wait-p90">30 min' in page
    assert 'data-metric="cancel-lead">1 d 1 h' in page
    assert "Europe/Berlin" in page and "All doctors" in page
    # Every count links to the rows behind it.
    assert f"status=no_show&amp;row_doctor={known['a'].pk}" in page
    assert 'figure class="chart" data-chart="bar"' in page and 'id="daily-table"' in page
    # Definitions are printed under the metrics.
    assert "No-shows ÷ (completed + no-shows)" in page


def test_query_count_does_not_grow_with_rows(client_for, known, django_assert_max_num_queries):
    from appointments.tests.factories import AppointmentFactory
    from patients.tests.factories import PatientFactory
    from reports.tests.conftest import local

    client = client_for(known["admin"])
    for n in range(20):
        AppointmentFactory(hospital=known["hospital"], doctor=known["b"], patient=PatientFactory(),
                           start_at=local(24, 8, 0) + n * (local(20, 1) - local(20, 0)))  # fmt: skip
    with django_assert_max_num_queries(15):
        assert client.get(reverse("reports:report"), RANGE).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:rows"), RANGE).status_code == 200


def test_default_range_is_the_last_30_days(client_for, known):
    response = client_for(known["admin"]).get(reverse("reports:report"))
    assert response.status_code == 200
    params = response.context["params"]
    assert params.days == 30


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-10-26", "date_to": "2026-10-20"}, "The start date must be on or before the end date."),
        ({"date_from": "2016-01-01", "date_to": "2026-01-01"}, "Choose at most 731 days"),
        ({**RANGE, "doctor": "abc"}, "That doctor does not work at this hospital."),
        ({**RANGE, "doctor": "99999999999999999999999"}, "That doctor does not work at this hospital."),
        ({**RANGE, "department": "-3"}, "That department is not one of this hospital"),
        ({**RANGE, "mode": "teleport"}, "Choose in person, video, or both."),
        ({"date_from": "yesterday", "date_to": "2026-10-20"}, "Enter a valid date."),
    ],
)
def test_bad_parameters_get_a_clear_message(client_for, known, query, message):
    response = client_for(known["admin"]).get(reverse("reports:report"), query)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")


def test_another_hospitals_doctor_is_refused(client_for, known, other_doctor):
    response = client_for(known["admin"]).get(reverse("reports:report"), {**RANGE, "doctor": other_doctor.pk})
    assert response.status_code == 400
    assert "That doctor does not work at this hospital." in response.content.decode()
    rows = client_for(known["admin"]).get(reverse("reports:rows"), {**RANGE, "row_doctor": other_doctor.pk})
    assert rows.status_code == 400


def test_rows_behind_a_number_hold_no_clinical_text(client_for, known):
    Appointment.objects.filter(hospital=known["hospital"]).update(reason="Chest pain secret")
    response = client_for(known["admin"]).get(reverse("reports:rows"), {**RANGE, "status": "cancelled"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 appointments" in page
    assert "Chest pain secret" not in page
    waiting = client_for(known["admin"]).get(reverse("reports:rows"), {**RANGE, "metric": "waiting"})
    assert len(waiting.context["table"]) == 3
    returning = client_for(known["admin"]).get(reverse("reports:rows"), {**RANGE, "metric": "returning"})
    assert [row[6] for row in returning.context["table"]] == ["Patient 2"]
    day = client_for(known["admin"]).get(reverse("reports:rows"), {**RANGE, "day": "2026-10-20"})
    assert len(day.context["table"]) == 3
    bad_day = client_for(known["admin"]).get(reverse("reports:rows"), {**RANGE, "day": "2027-01-01"})
    assert bad_day.status_code == 400 and "outside the chosen dates" in bad_day.content.decode()


@pytest.mark.parametrize("persona", ["staff", "doctor", "patient", "super_admin", "other_hospital_admin"])
def test_only_the_hospitals_admin_sees_its_report(client_for, known, request, persona):
    user = request.getfixturevalue(persona)
    user = getattr(user, "user", user)  # the doctor persona is a DoctorProfile
    response = client_for(user).get(reverse("reports:report"), RANGE)
    if persona == "other_hospital_admin":
        # Their own hospital's report: none of this hospital's numbers.
        assert response.status_code == 200 and "Spree Report" not in response.content.decode()
        assert response.context["report"].totals.total == 0
    else:
        assert response.status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("reports:report"))
    assert response.status_code == 302 and "login" in response.url


def _export(client, fmt, **extra):
    return client.post(reverse("reports:export"), {**RANGE, "format": fmt, **extra})


def test_csv_export_has_bom_filters_and_the_on_screen_columns(client_for, known):
    client = client_for(known["admin"])
    response = _export(client, "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == ["Hospital", "Spree Report"]
    assert ["Doctor", "All doctors"] in lines
    header_at = lines.index(
        ["Date", "Time", "Doctor", "Department", "Kind of visit", "Status", "Patient", "Patient number"]
    )
    rows = lines[header_at + 1 :]
    assert len(rows) == 9
    assert rows[0][:3] == ["2026-10-20", "00:15", "Dr Anna Alpha"]
    on_screen = client.get(reverse("reports:rows"), RANGE).context["columns"]
    assert [str(c) for c in on_screen] == lines[header_at]


def test_xlsx_export_has_real_dates(client_for, known):
    response = _export(client_for(known["admin"]), "xlsx", status="cancelled")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    strings = archive.read("xl/sharedStrings.xml").decode()
    assert "Spree Report" in strings and "Cancelled" in strings
    # Dates are numbers (Excel serials) with a date format, not text: 2026-10-21 is serial 46316.
    assert re.search(r'<c r="A\d+" s="\d+"><v>46316</v></c>', sheet)
    assert sheet.count('<c r="A') >= 3 + 1


def test_bad_export_request_is_refused_with_a_message(client_for, known):
    response = _export(client_for(known["admin"]), "pdf")
    assert response.status_code == 302
    response = _export(client_for(known["admin"]), "csv", date_from="2026-11-01")
    assert response.status_code == 302


def test_large_export_runs_in_the_background_with_a_private_expiring_link(
    client_for, known, settings, hospital_admin, django_capture_on_commit_callbacks
):
    settings.REPORTS_SYNC_EXPORT_MAX_ROWS = 5
    client = client_for(known["admin"])
    # Eager Celery (no REDIS_URL) builds the file from the on-commit callback, as in production; with Redis the
    # task goes to the broker, and here runs in this process through Celery's own apply().
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    with django_capture_on_commit_callbacks(execute=eager) as callbacks:
        response = _export(client, "csv")
    assert callbacks  # the export task (and, once it ran eagerly, the notification's own)
    job = ExportJob.objects.get()
    if not eager:
        from reports.tasks import build_export

        build_export.apply(args=[job.pk])
    assert response.status_code == 302 and response.url == reverse("reports:export_job", args=[job.token])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.done_rows == 9 and job.expires_at
    page = client.get(response.url)
    assert "Download" in page.content.decode()
    download = client.get(reverse("reports:export_download", args=[job.token]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\xef\xbb\xbf")
    assert known["admin"].notifications.filter(title="Your export is ready").exists()
    # Nobody else gets the file, and it expires.
    assert client_for(hospital_admin).get(reverse("reports:export_download", args=[job.token])).status_code == 404
    from datetime import timedelta

    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.expires_at - timedelta(hours=25))
    assert client.get(reverse("reports:export_download", args=[job.token])).status_code == 404
    from reports.services import export_path, exports_purge_expired

    assert exports_purge_expired() == 1 and not export_path(job).exists()


def test_saved_reports_are_shared_only_when_asked(client_for, known):
    from accounts.models import User
    from accounts.tests.factories import UserFactory
    from hospitals.models import HospitalMembership
    from hospitals.tests.factories import MembershipFactory

    colleague = MembershipFactory(
        hospital=known["hospital"], role=HospitalMembership.Role.ADMIN,
        user=UserFactory(email="colleague@example.org", role=User.Role.HOSPITAL_ADMIN),
    ).user  # fmt: skip
    client = client_for(known["admin"])
    client.post(
        reverse("reports:saved_save"), {**RANGE, "doctor": known["b"].pk, "name": "Bert weekly", "shared": "on"}
    )
    client.post(reverse("reports:saved_save"), {**RANGE, "name": "Mine only"})
    duplicate = client.post(reverse("reports:saved_save"), {**RANGE, "name": "Mine only"}, follow=True)
    assert "already have a saved report" in duplicate.content.decode()
    shared, private = SavedReport.objects.get(name="Bert weekly"), SavedReport.objects.get(name="Mine only")
    run = client_for(colleague).get(reverse("reports:saved_run", args=[shared.pk]))
    assert run.status_code == 302 and f"doctor={known['b'].pk}" in run.url
    assert client_for(colleague).get(reverse("reports:saved_run", args=[private.pk])).status_code == 404
    # Only the owner deletes.
    assert client_for(colleague).post(reverse("reports:saved_delete", args=[shared.pk])).status_code == 403
    assert client.post(reverse("reports:saved_delete", args=[shared.pk])).status_code == 302
    assert not SavedReport.objects.filter(pk=shared.pk).exists()


def test_saved_report_of_another_hospital_is_404(client_for, known, other_hospital_admin):
    client_for(known["admin"]).post(reverse("reports:saved_save"), {**RANGE, "name": "Shared", "shared": "on"})
    saved = SavedReport.objects.get()
    assert client_for(other_hospital_admin).get(reverse("reports:saved_run", args=[saved.pk])).status_code == 404
