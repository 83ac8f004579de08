"""Profile photos: only real images (decoded with Pillow), bounded in size, re-encoded to a small JPEG."""

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A decompression bomb is refused before Pillow allocates its pixels.
MAX_PIXELS = 40_000_000
PHOTO_SIZE = 400


class PhotoError(ValueError):
    """The upload is not an image we accept; the message is shown next to the field."""


def reencode_photo(upload) -> ContentFile:
    if upload.size > MAX_UPLOAD_BYTES:
        raise PhotoError(f"The photo is too large ({upload.size // 1024} KB); the limit is 5 MB.")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("The photo has too many pixels; please upload a smaller picture.")
            probe.verify()
        # verify() leaves the image unusable: open it again to decode the pixels for real.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image = ImageOps.fit(image, (PHOTO_SIZE, PHOTO_SIZE), method=Image.Resampling.LANCZOS)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise PhotoError("That file is not a picture we can read. Upload a JPEG, PNG or WebP photo.") from error
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
