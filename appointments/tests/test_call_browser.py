"""Two people hold a video consultation in two Chromium contexts (fake camera and microphone) through the
live Daphne server: both connect, the patient sees the doctor's video, chat works, a reload reconnects by
itself, hang-up ends it for both and the join/leave times are recorded."""

import time

import pytest
from playwright.sync_api import expect

from appointments.models import CallAttendance, CallMessage
from appointments.tests.conftest import video_appointment_for

pytestmark = pytest.mark.browser

CONNECT_TIMEOUT = 30_000

FRAMES_DECODED = """async () => {
  const pc = window.hmsCall.peerConnection;
  if (!pc) return 0;
  let frames = 0;
  (await pc.getStats()).forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "video") frames += report.framesDecoded || 0;
  });
  return frames;
}"""


def wait_for_frames(page, minimum: int = 1, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    frames = 0
    while time.monotonic() < deadline:
        frames = page.evaluate(FRAMES_DECODED)
        if frames >= minimum:
            return frames
        page.wait_for_timeout(250)
    return frames


def join_from_dashboard(page, browser_login, email: str) -> None:
    browser_login(page, email)
    page.get_by_role("link", name="Join video call").click()
    expect(page.get_by_role("heading", name="Video consultation with")).to_be_visible()


def state(page):
    return page.locator("#call-state")


def test_doctor_and_patient_hold_a_video_call(live_url, new_page, browser_login, doctor, patient, hospital):
    # Started two minutes ago, so the doctor may mark it completed at the end.
    video_appointment = video_appointment_for(doctor, patient, hospital, starts_in_minutes=-2)
    doctor_page, patient_page = new_page(), new_page()

    join_from_dashboard(doctor_page, browser_login, doctor.user.email)
    expect(state(doctor_page)).to_have_text("Waiting for the patient to join…")
    expect(doctor_page.get_by_role("heading", name="Patient", exact=True)).to_be_visible()
    expect(doctor_page.get_by_text(patient.patient_number)).to_be_visible()  # patient summary beside the call
    join_from_dashboard(patient_page, browser_login, patient.user.email)

    for page in (doctor_page, patient_page):
        expect(state(page)).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT)
        expect(state(page)).to_have_text("Connected")
    assert wait_for_frames(patient_page) > 0, "the patient's page decodes no video from the doctor"
    assert wait_for_frames(doctor_page) > 0, "the doctor's page decodes no video from the patient"

    # Mute / camera off are buttons a person can press; the other side is told.
    doctor_page.get_by_role("button", name="Mute").click()
    expect(doctor_page.get_by_role("button", name="Unmute")).to_be_visible()
    expect(patient_page.get_by_text("The doctor: microphone off")).to_be_visible()
    doctor_page.get_by_role("button", name="Unmute").click()
    expect(patient_page.get_by_text("The doctor: microphone off")).to_be_hidden()

    # Chat beside the video.
    patient_page.get_by_label("Message").fill("Can you hear me?")
    patient_page.get_by_role("button", name="Send").click()
    expect(doctor_page.get_by_role("list", name="Chat history")).to_contain_text("Can you hear me?")
    doctor_page.get_by_label("Message").fill("Yes, clearly.")
    doctor_page.get_by_role("button", name="Send").click()
    expect(patient_page.get_by_role("list", name="Chat history")).to_contain_text("Yes, clearly.")

    # The patient reloads: the call comes back without the doctor doing anything, chat history included.
    patient_page.reload()
    expect(state(patient_page)).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT)
    expect(state(doctor_page)).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT)
    expect(patient_page.get_by_role("list", name="Chat history")).to_contain_text("Yes, clearly.")
    assert wait_for_frames(patient_page) > 0, "no video from the doctor after the reload"

    # The doctor's call record is live while both are connected (it said "Nobody has joined" until a reload).
    record = doctor_page.locator("#call-record")
    expect(record).to_contain_text("Pat Kumar (Patient)")
    expect(record).to_contain_text("Asha Rao (Doctor)")
    expect(record.get_by_text("still in the call")).to_have_count(2)

    # The patient hangs up: only they leave. The doctor waits; the patient's Rejoin brings the call back for both.
    patient_page.get_by_role("button", name="Hang up").click()
    expect(state(patient_page)).to_have_attribute("data-state", "ended")
    expect(state(doctor_page)).to_contain_text("The patient hung up", timeout=10_000)
    expect(doctor_page.get_by_role("link", name="Rejoin the call")).to_be_hidden()
    expect(record.get_by_text("still in the call")).to_have_count(1)
    patient_page.get_by_role("link", name="Rejoin the call").click()
    for page in (doctor_page, patient_page):
        expect(state(page)).to_have_attribute("data-state", "connected", timeout=CONNECT_TIMEOUT)

    # The doctor marks the appointment completed: the patient is told the call is over, not "Reconnecting…".
    doctor_page.once("dialog", lambda dialog: dialog.accept())
    doctor_page.get_by_role("button", name="Mark appointment completed").click()
    expect(doctor_page.get_by_text("The appointment is marked completed.")).to_be_visible()
    expect(state(patient_page)).to_have_attribute("data-state", "ended", timeout=10_000)
    expect(state(patient_page)).to_contain_text("The doctor marked the appointment completed")
    expect(patient_page.get_by_role("link", name="Rejoin the call")).to_be_hidden()

    # Join and leave times are recorded: one session for the doctor, three for the patient (reload, rejoin).
    # Both close their tabs as people do; every session's leave is written by its socket's disconnect.
    doctor_page.close()
    patient_page.close()
    deadline = time.monotonic() + 30
    while CallAttendance.objects.filter(left_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    sessions = list(CallAttendance.objects.filter(appointment=video_appointment).order_by("joined_at"))
    assert [s.user_id for s in sessions if s.user_id == doctor.user.pk] == [doctor.user.pk]
    assert len([s for s in sessions if s.user_id == patient.user.pk]) == 3
    assert all(s.left_at is not None and s.left_at >= s.joined_at for s in sessions)
    assert list(CallMessage.objects.values_list("body", flat=True)) == ["Can you hear me?", "Yes, clearly."]


def test_without_camera_or_microphone_the_page_says_so_and_chat_still_works(
    live_url, browser, browser_login, doctor, patient, video_appointment
):
    # A browser that refuses camera and microphone (no fake-UI auto-accept for this context).
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.add_init_script(
            "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));"
        )
        join_from_dashboard(page, browser_login, patient.user.email)
        expect(page.get_by_role("alert").filter(has_text="Camera and microphone access was refused")).to_be_visible()
        expect(page.get_by_role("button", name="No microphone")).to_be_disabled()
        expect(state(page)).to_have_text("Waiting for the doctor to join…")
        page.get_by_label("Message").fill("My camera does not work, I will type.")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("list", name="Chat history")).to_contain_text("I will type.")
    finally:
        context.close()
    assert CallMessage.objects.get().sender == patient.user
