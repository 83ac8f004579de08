import datetime
from decimal import Decimal

import pytest

from appointments.models import Appointment
from reports.metrics import build_report
from reports.tests.conftest import FIRST, LAST

S = Appointment.Status
pytestmark = pytest.mark.django_db


def test_every_metric_of_the_known_week(params_for, known):
    report = build_report(*params_for())
    totals = report.totals
    assert totals.counts == {S.COMPLETED: 4, S.NO_SHOW: 1, S.CANCELLED: 3, S.BOOKED: 1}
    assert totals.total == 9
    assert (totals.no_show.numerator, totals.no_show.denominator, totals.no_show.percent) == (1, 5, Decimal("20.0"))
    assert (totals.cancellation.numerator, totals.cancellation.denominator) == (3, 9)
    assert totals.cancellation.percent == Decimal("33.3")
    assert report.cancel_lead_count == 2
    assert report.cancel_lead_median == datetime.timedelta(hours=25)
    assert report.wait_count == 3
    assert report.wait_median == datetime.timedelta(minutes=20)
    assert report.wait_p90 == datetime.timedelta(minutes=30)
    assert (totals.booked, totals.offered, totals.utilisation.percent) == (6, 43, Decimal("14.0"))
    assert (report.patients_total, report.patients_new, report.patients_returning) == (5, 4, 1)


def test_per_doctor_and_department(params_for, known):
    report = build_report(*params_for())
    by_doctor = {row.label: row for row in report.doctors}
    a, b = by_doctor["Dr Anna Alpha"], by_doctor["Dr Bert Beta"]
    assert a.counts == {S.COMPLETED: 3, S.NO_SHOW: 1, S.CANCELLED: 2, S.BOOKED: 1}
    assert (a.offered, a.booked, a.utilisation.percent) == (41, 5, Decimal("12.2"))
    assert b.counts == {S.COMPLETED: 1, S.CANCELLED: 1}
    assert (b.offered, b.booked, b.utilisation.percent) == (2, 1, Decimal("50.0"))
    by_department = {row.label: (row.total, row.offered) for row in report.departments}
    assert by_department == {"Cardiology": (7, 41), "Dermatology": (2, 2)}


def test_days_are_the_hospitals_local_days_across_the_dst_change(params_for, known):
    report = build_report(*params_for())
    assert [day.day for day in report.days] == [FIRST + datetime.timedelta(days=n) for n in range(7)]
    assert [day.total for day in report.days] == [3, 1, 1, 1, 0, 1, 2]
    assert report.busiest_day.day == FIRST


def test_one_doctor_and_video_filters(params_for, known):
    report = build_report(*params_for(doctor=str(known["b"].pk)))
    assert [row.label for row in report.doctors] == ["Dr Bert Beta"]
    assert (report.totals.total, report.totals.offered, report.wait_count, report.cancel_lead_count) == (2, 2, 0, 0)
    assert report.wait_median is None and report.cancel_lead_median is None
    assert (report.patients_total, report.patients_returning) == (1, 0)

    video = build_report(*params_for(mode="video"))
    assert (video.totals.total, video.totals.offered) == (2, 2)

    cardiology = build_report(*params_for(department=str(known["cardiology"].pk)))
    assert (cardiology.totals.total, cardiology.totals.offered) == (7, 41)
    assert (cardiology.patients_total, cardiology.patients_returning) == (4, 1)


def test_no_data(params_for, known):
    from hospitals.tests.factories import HospitalFactory

    empty = HospitalFactory(time_zone="Europe/Berlin")
    report = build_report(*params_for(hospital=empty))
    assert report.totals.total == 0 and report.totals.offered == 0 and report.is_empty
    assert report.totals.no_show.percent is None and report.totals.utilisation.percent is None
    assert report.wait_median is None and report.wait_p90 is None and report.cancel_lead_median is None
    assert report.doctors == [] and report.busiest_day is None
    assert [day.total for day in report.days] == [0] * 7


def test_a_single_day_near_midnight(params_for, known):
    """26 Oct alone: 23:45 local is in, 00:15 next local day (still 26 Oct in UTC) is out."""
    report = build_report(*params_for(date_from=LAST.isoformat()))
    assert report.totals.counts == {S.BOOKED: 1, S.COMPLETED: 1}
