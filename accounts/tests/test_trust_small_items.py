"""Issue 11, the smaller items: websocket origin with port, ALLOWED_HOSTS=*, CSP connect-src, the .ics file (reason
hidden from hospital admins, bare CR escaped), a missing uploaded file, time off in year 1."""

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from accounts.tests.test_settings import PRODUCTION_ENV, run_manage
from appointments.tests.factories import AppointmentFactory
from hms.asgi import application
from hms.websocket_origin import origin_allowed
from notifications.tests.helpers import in_fresh_thread


def test_origin_must_match_scheme_host_and_port():
    assert origin_allowed("http://127.0.0.1:8200", "127.0.0.1:8200")
    assert origin_allowed("https://localhost", "localhost")
    assert not origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8200")  # another service on the same host
    assert not origin_allowed("http://localhost:8200", "127.0.0.1:8200")
    assert not origin_allowed("http://evil.example", "evil.example")  # not in ALLOWED_HOSTS
    assert not origin_allowed("http://testserver:8080", None)
    assert not origin_allowed("null", "testserver")


def test_socket_from_another_port_of_an_allowed_host_is_refused(transactional_db, patient):
    client = Client()
    client.force_login(patient.user)
    cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())

    async def scenario():
        for origin, expected in [(b"http://testserver:8080", False), (b"http://testserver", True)]:
            socket = WebsocketCommunicator(
                application, "/ws/notifications/", headers=[(b"origin", origin), (b"host", b"testserver"), cookie]
            )
            connected, _ = await socket.connect()
            assert connected is expected, origin
            await socket.disconnect()

    in_fresh_thread(async_to_sync(scenario))


def test_allowed_hosts_star_refuses_to_start():
    result = run_manage("check", env=PRODUCTION_ENV | {"ALLOWED_HOSTS": "*"})
    assert result.returncode != 0
    assert "'*' is refused" in result.stderr


def test_csp_allows_sockets_only_to_this_site(client):
    csp = client.get(reverse("home"))["Content-Security-Policy"]
    connect = next(part for part in csp.split(";") if part.strip().startswith("connect-src"))
    assert connect.split() == ["connect-src", "'self'"]


def test_ics_hides_the_reason_from_the_hospital_admin_and_escapes_bare_cr(
    db, patient, doctor, hospital, hospital_admin, client_for
):
    appointment = AppointmentFactory(patient=patient, doctor=doctor, hospital=hospital,
                                     reason="Lump in breast\rATTENDEE:mailto:x@evil.example")  # fmt: skip
    url = reverse("appointments:ics", args=[appointment.pk])

    admin_ics = client_for(hospital_admin).get(url).content.decode()
    patient_ics = client_for(patient.user).get(url).content.decode()

    assert "Lump" not in admin_ics
    assert "DESCRIPTION:Lump in breast\\nATTENDEE:mailto:x@evil.example" in patient_ics.replace("\r\n ", "")
    assert "\rATTENDEE" not in patient_ics and "\nATTENDEE" not in patient_ics


def test_missing_uploaded_file_is_a_404(db, patient, client_for):
    from patients.files import inspect_upload
    from patients.services import clinical_document_add
    from patients.tests.conftest import png_bytes, upload

    file = upload("scan.png", png_bytes())
    document = clinical_document_add(actor=patient.user, patient=patient, uploaded_file=file,
                                     inspected=inspect_upload(file), title="Scan")  # fmt: skip
    document.file.storage.delete(document.file.name)

    response = client_for(patient.user).get(reverse("patients:document_file", args=[document.pk]))
    assert response.status_code == 404


def test_time_off_in_year_one_is_a_message_not_a_500(db, doctor, client_for):
    response = client_for(doctor.user).post(
        reverse("appointments:time_off"),
        {"hospital": "", "first_day": "0001-01-01", "last_day": "0001-01-02", "kind": "holiday"},
    )
    assert response.status_code == 400
    assert "a year ago to three years ahead" in response.content.decode()
