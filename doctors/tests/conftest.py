import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_upload(name="me.png", size=(900, 600), fmt="PNG", color=(200, 40, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def png_upload():
    return image_upload()
