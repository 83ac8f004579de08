import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User


@pytest.mark.django_db
def test_demo_reports_show_something_after_seeding():
    call_command("seed_demo")
    client = Client()
    client.force_login(User.objects.get(email="hadmin@example.com"))
    response = client.get(reverse("reports:report"))
    report = response.context["report"]
    assert report.totals.total > 20 and report.wait_count > 5 and report.cancel_lead_count > 2
    assert report.totals.offered > report.totals.booked > 0
    assert "Last 30 days, in person" in response.content.decode()
    revenue = client.get(reverse("reports:revenue")).context["revenue"]
    assert (
        revenue.totals.amounts["invoiced"]
        > revenue.totals.amounts["collected"]
        > revenue.totals.amounts["refunded"]
        > 0
    )
