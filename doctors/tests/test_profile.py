import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from doctors.images import PhotoError, reencode_photo
from doctors.services import DoctorError, doctor_update_profile
from doctors.tests.conftest import image_upload
from doctors.tests.factories import LanguageFactory, SpecializationFactory

pytestmark = pytest.mark.django_db


def _post(client, **overrides):
    specialization = SpecializationFactory(name="Neurology", slug="neurology")
    data = {
        "specializations": [specialization.pk], "qualifications": "MBBS, MD", "years_of_experience": "12",
        "languages": [LanguageFactory(name="Tamil").pk], "bio": "Neurologist.",
    }  # fmt: skip
    data.update(overrides)
    return client.post(reverse("doctors:my_profile"), data)


def test_reencode_makes_small_square_jpeg():
    photo = reencode_photo(image_upload(size=(1200, 800)))
    with Image.open(io.BytesIO(photo.read())) as image:
        assert (image.format, image.size) == ("JPEG", (400, 400))
    assert photo.name.endswith(".jpg")


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("cv.png", b"%PDF-1.4 not an image", content_type="image/png"),
        SimpleUploadedFile("x.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, content_type="image/jpeg"),
    ],
)
def test_reencode_refuses_what_is_not_an_image(upload):
    with pytest.raises(PhotoError, match="not a picture"):
        reencode_photo(upload)


def test_reencode_refuses_huge_files():
    upload = SimpleUploadedFile("big.png", b"0" * (5 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(PhotoError, match="too large"):
        reencode_photo(upload)


def test_doctor_edits_profile_with_photo(client_for, doctor, png_upload):
    response = _post(client_for(doctor.user), photo=png_upload)

    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.years_of_experience == 12
    assert [s.name for s in doctor.specializations.all()] == ["Neurology"]
    assert [lang.name for lang in doctor.languages.all()] == ["Tamil"]
    assert doctor.photo.name.startswith("doctor-photos/") and doctor.photo.name.endswith(".jpg")

    # Served through the view, as a JPEG, to anyone (it is a public profile picture).
    photo = client_for(None).get(reverse("doctors:photo", args=[doctor.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(photo.streaming_content))).size == (400, 400)


def test_non_image_upload_is_a_form_error_and_changes_nothing(client_for, doctor):
    fake = SimpleUploadedFile("photo.jpg", b"<html>hello</html>", content_type="image/jpeg")
    response = _post(client_for(doctor.user), photo=fake, years_of_experience="30")

    assert response.status_code == 200
    assert "not a picture we can read" in response.content.decode()
    doctor.refresh_from_db()
    assert doctor.years_of_experience == 5 and not doctor.photo


def test_replacing_and_removing_photo_deletes_old_file(
    client_for, doctor, png_upload, django_capture_on_commit_callbacks
):
    client = client_for(doctor.user)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, photo=png_upload)
    doctor.refresh_from_db()
    first = doctor.photo.name
    storage = doctor.photo.storage
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, photo=image_upload(color=(0, 0, 255)))
    doctor.refresh_from_db()
    assert doctor.photo.name != first and not storage.exists(first) and storage.exists(doctor.photo.name)
    second = doctor.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, remove_photo="on")
    doctor.refresh_from_db()
    assert not doctor.photo and not storage.exists(second)
    assert client.get(reverse("doctors:photo", args=[doctor.pk])).status_code == 404


def test_no_specialization_is_refused(doctor):
    with pytest.raises(DoctorError, match="at least one"):
        doctor_update_profile(
            actor=doctor.user, profile=doctor, qualifications="", years_of_experience=1, bio="",
            specializations=[], languages=[],
        )  # fmt: skip


def test_only_the_doctor_edits_their_profile(doctor, other_doctor, specialization):
    with pytest.raises(DoctorError):
        doctor_update_profile(
            actor=other_doctor.user, profile=doctor, qualifications="x", years_of_experience=1, bio="",
            specializations=[specialization], languages=[],
        )  # fmt: skip


@pytest.mark.parametrize("role", ["patient", "hospital_admin", "staff", "super_admin"])
def test_my_pages_are_for_doctors_only(client_for, request, role):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    for name in ("doctors:my_profile", "doctors:my_hospitals"):
        assert client_for(user).get(reverse(name)).status_code == 403
        response = client_for(None).get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
