import datetime

import pytest
from django.urls import reverse

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from patients.tests.conftest import VITALS
from prescriptions.services import visit_note_save
from reports.charts import patient_charts

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_visits(patient, doctor, hospital):
    """Three visits a month apart (Asia/Kolkata); the second has no blood pressure and a different weight."""
    start = datetime.datetime(2026, 3, 10, 4, 0, tzinfo=datetime.UTC)
    for n, overrides in enumerate(
        [{}, {"bp_systolic": None, "bp_diastolic": None, "weight_kg": "80.0"}, {"pulse": 72}]
    ):
        appointment = AppointmentFactory(
            patient=patient, doctor=doctor, hospital=hospital, status=Appointment.Status.CHECKED_IN,
            start_at=start + datetime.timedelta(days=31 * n),
        )  # fmt: skip
        visit_note_save(actor=doctor.user, appointment=appointment, data={**VITALS, **overrides})


def test_vitals_and_timeline_from_one_query(patient, three_visits, django_assert_num_queries):
    with django_assert_num_queries(1):
        data = patient_charts(patient)
    charts = {chart.slug: chart for chart in data["charts"]}
    assert charts["bp"].rows == [("2026-03-10", 150, 95), ("2026-05-11", 150, 95)]
    assert [row[1] for row in charts["pulse"].rows] == [88, 88, 72]
    assert [str(row[2]) for row in charts["weight"].rows] == ["26.5", "27.0", "26.5"]  # BMI from 172 cm
    assert charts["pulse"].summary == ("Pulse: 3 readings from 2026-03-10 to 2026-05-11; the latest is 72 beats/min.")
    assert data["timeline"].rows == [("2026-03", 1), ("2026-04", 1), ("2026-05", 1)]
    assert data["timeline"].summary.startswith("3 visits between 2026-03 and 2026-05")
    assert data["visit_count"] == 3


def test_history_page_shows_charts_with_tables_for_patient_and_doctor(patient, doctor, three_visits, client_for):
    for user in (patient.user, doctor.user):
        page = client_for(user).get(reverse("patients:history", args=[patient.pk])).content.decode()
        assert 'id="chart-bp"' in page and 'id="chart-visits"' in page
        assert '<caption class="visually-hidden">Blood pressure</caption>' in page
        assert "vendor/chartjs/chart.umd.min.js" in page and "<script>" not in page


def test_no_visits_no_charts(patient, client_for):
    page = client_for(patient.user).get(reverse("patients:history", args=[patient.pk])).content.decode()
    assert "chart-bp" not in page
