"""Content checks for uploaded clinical files, and DICOM metadata + preview rendering.

A file is accepted for what it *is*, not for what its name says: PNG/JPEG must decode with Pillow, a PDF
must start with the PDF signature and parse, a DICOM file must parse with pydicom. The name's extension
must agree with the content, so a PNG called "report.pdf" is refused rather than silently relabelled.
"""

import datetime
import io
from dataclasses import dataclass, field

import numpy as np
import pydicom
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

ALLOWED_EXTENSIONS = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".dcm": "dicom",
    ".dicom": "dicom",
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "dicom": "application/dicom"}
PREVIEW_MAX_SIDE = 1024


@dataclass
class InspectedFile:
    format: str  # pdf, png, jpeg, dicom
    content_type: str
    metadata: dict = field(default_factory=dict)
    preview_png: bytes | None = None
    preview_note: str = ""

    @property
    def kind(self) -> str:
        return {"pdf": "pdf", "png": "image", "jpeg": "image", "dicom": "dicom"}[self.format]


def max_upload_bytes() -> int:
    return settings.CLINICAL_UPLOAD_MAX_BYTES


def inspect_upload(uploaded_file) -> InspectedFile:
    """Validate an uploaded file by its content. Raises ValidationError with a message for the form."""
    name = uploaded_file.name or ""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected = ALLOWED_EXTENSIONS.get(extension)
    if expected is None:
        raise ValidationError("Upload a PDF, PNG, JPEG or DICOM (.dcm) file.")
    limit = max_upload_bytes()
    if uploaded_file.size > limit:
        raise ValidationError(
            f"This file is {uploaded_file.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB."
        )
    if uploaded_file.size == 0:
        raise ValidationError("The file is empty.")
    uploaded_file.seek(0)
    data = uploaded_file.read()
    uploaded_file.seek(0)
    if expected == "pdf":
        return _inspect_pdf(data)
    if expected in ("png", "jpeg"):
        return _inspect_image(data, expected)
    return _inspect_dicom(data)


def _inspect_pdf(data: bytes) -> InspectedFile:
    if not data.startswith(b"%PDF-"):
        raise ValidationError("This file is not a PDF document, although its name ends in .pdf.")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise ValidationError("This PDF is damaged and cannot be opened.") from error
    if pages == 0:
        raise ValidationError("This PDF has no pages.")
    return InspectedFile(format="pdf", content_type=CONTENT_TYPES["pdf"], metadata={"pages": pages})


def _inspect_image(data: bytes, expected: str) -> InspectedFile:
    try:
        with Image.open(io.BytesIO(data)) as image:
            actual = (image.format or "").lower()
            image.load()  # decodes the pixels: a truncated or corrupt image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(f"This file is not a readable {expected.upper()} image.") from error
    if actual != expected:
        raise ValidationError(
            f"This file is a {actual.upper() or 'different'} image, but its name says {expected.upper()}."
        )
    return InspectedFile(format=expected, content_type=CONTENT_TYPES[expected])


def _inspect_dicom(data: bytes) -> InspectedFile:
    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=False)
        truncated = _is_truncated(dataset)
        # Elements are parsed lazily; touching every one surfaces malformed values now, not in a later view.
        for _element in dataset.iterall():
            pass
    except Exception as error:
        raise ValidationError("This file is not a valid DICOM file (it could not be read as DICOM).") from error
    if truncated:
        raise ValidationError("This DICOM file is incomplete (it was cut off part-way). Upload the whole file.")
    if "SOPClassUID" not in dataset and "Modality" not in dataset:
        raise ValidationError("This file is not a valid DICOM file (it has no DICOM study information).")
    inspected = InspectedFile(format="dicom", content_type=CONTENT_TYPES["dicom"], metadata=dicom_metadata(dataset))
    inspected.preview_png, inspected.preview_note = dicom_preview(dataset)
    return inspected


def _is_truncated(dataset) -> bool:
    """pydicom reads a cut-off file without complaint, handing back a short last value. Compare each
    element's declared length with what was actually read (before the elements are converted)."""
    undefined = 0xFFFFFFFF
    for raw in dataset._dict.values():
        length = getattr(raw, "length", None)
        value = getattr(raw, "value", None)
        if length is None or length == undefined or not isinstance(value, bytes | bytearray):
            continue
        if len(value) < length:
            return True
    return False


def dicom_metadata(dataset) -> dict:
    def text(keyword: str) -> str:
        value = dataset.get(keyword, "")
        return str(value).strip() if value is not None else ""

    study_date = None
    raw_date = text("StudyDate")
    if len(raw_date) == 8 and raw_date.isdigit():
        try:
            study_date = datetime.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
        except ValueError:
            study_date = None
    return {
        "modality": text("Modality")[:16],
        "body_part": text("BodyPartExamined")[:64],
        "study_date": study_date,
        "study_description": (text("StudyDescription") or text("SeriesDescription"))[:200],
    }


def dicom_preview(dataset) -> tuple[bytes | None, str]:
    """Render the first frame to an 8-bit PNG using the file's own window (or the full range).

    Returns (png bytes, "") or (None, reason) when there is nothing we can render."""
    if "PixelData" not in dataset:
        return None, "No preview: this DICOM file has no image data."
    try:
        pixels = dataset.pixel_array
    except Exception:
        syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
        name = getattr(syntax, "name", None) or str(syntax or "unknown")
        return (
            None,
            f"No preview: the image encoding ({name}) cannot be rendered here. The original file can be downloaded.",
        )
    try:
        return _render_png(dataset, pixels), ""
    except Exception:
        return None, "No preview: the image data could not be rendered. The original file can be downloaded."


def _render_png(dataset, pixels) -> bytes:
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    if frames > 1:
        pixels = pixels[0]
    if samples == 1:
        values = apply_modality_lut(pixels, dataset).astype(np.float64)
        if "WindowCenter" in dataset and "WindowWidth" in dataset:
            values = apply_voi_lut(values, dataset).astype(np.float64)
            low, high = float(values.min()), float(values.max())
        else:
            # No window in the file: use the 1st-99th percentile so a few extreme pixels do not wash it out.
            low, high = (float(v) for v in np.percentile(values, [1, 99]))
        if high <= low:
            high = low + 1
        scaled = np.clip((values - low) / (high - low), 0, 1) * 255
        if str(dataset.get("PhotometricInterpretation", "")) == "MONOCHROME1":
            scaled = 255 - scaled
        image = Image.fromarray(scaled.astype(np.uint8), mode="L")
    else:
        image = Image.fromarray(np.asarray(pixels).astype(np.uint8)).convert("RGB")
    image.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
