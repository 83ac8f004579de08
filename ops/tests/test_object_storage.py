"""Uploads in object storage (django-storages S3 backend, in-process S3 from moto): a private bucket with
server-side encryption, and files still reach people only through the permission-checked views."""

import boto3
import pytest
from django.urls import reverse
from moto import mock_aws

from ops.files import verify_files
from patients.models import ClinicalDocument
from patients.tests.conftest import pdf_bytes, upload

BUCKET = "hms-private-test"


@pytest.fixture
def s3(settings, monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "eu-central-1"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        client.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                            "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
        )  # fmt: skip
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET, "location": "private", "region_name": "eu-central-1",
                    "default_acl": "private", "querystring_auth": True, "file_overwrite": False,
                    "object_parameters": {"ServerSideEncryption": "AES256"},
                },
            },
        }  # fmt: skip
        yield client


def test_settings_switch_to_a_private_encrypted_bucket(monkeypatch):
    import importlib

    import hms.settings

    monkeypatch.setenv("S3_BUCKET", "hms-files")
    monkeypatch.setenv("S3_SSE", "aws:kms")
    monkeypatch.setenv("S3_SSE_KMS_KEY_ID", "alias/hms")
    try:
        options = importlib.reload(hms.settings).STORAGES["default"]["OPTIONS"]
    finally:
        for key in ("S3_BUCKET", "S3_SSE", "S3_SSE_KMS_KEY_ID"):
            monkeypatch.delenv(key)
        importlib.reload(hms.settings)
    assert options["bucket_name"] == "hms-files" and options["default_acl"] == "private"
    assert options["object_parameters"] == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/hms"}


def test_uploads_land_encrypted_in_the_private_bucket_and_are_served_only_through_the_views(
    s3, patient, other_patient, client_for, settings
):
    from storages.backends.s3 import S3Storage

    data = pdf_bytes()
    owner = client_for(patient.user)
    response = owner.post(
        reverse("patients:document_upload", args=[patient.pk]), {"title": "Lab report", "file": upload("lab.pdf", data)}
    )
    assert response.status_code == 302
    document = ClinicalDocument.objects.get()
    assert isinstance(document.file.storage._wrapped, S3Storage)

    key = f"private/{document.file.name}"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only: private
    assert "URI" not in grants[0]["Grantee"]  # no AllUsers / AuthenticatedUsers group grant
    assert not (settings.PRIVATE_FILES_ROOT / document.file.name).exists()  # not on local disk

    url = reverse("patients:document_file", args=[document.pk])
    download = owner.get(url)
    assert b"".join(download.streaming_content) == data
    page = owner.get(reverse("patients:document", args=[document.pk])).content.decode()
    assert BUCKET not in page and "amazonaws" not in page and "X-Amz" not in page  # no direct bucket links
    assert client_for(other_patient.user).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to the login page

    # verify_files checks the bucket: an object that vanished is reported.
    assert verify_files().missing == []
    s3.delete_object(Bucket=BUCKET, Key=key)
    assert verify_files().missing == [f"patients.ClinicalDocument.file #{document.pk}: {document.file.name}"]
