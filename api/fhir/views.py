"""FHIR R4 read API at /fhir/R4/: metadata, read, search (keyset paging) and Patient/$everything.

The same JWT authentication, scoping selectors and access log as the REST API and the web pages."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import ApiMixin, log_read, parse_pk
from api.fhir.resources import TYPES, build
from patients.models import AccessLogEntry

FHIR_JSON = "application/fhir+json"
COUNT_DEFAULT, COUNT_MAX = 20, 100


class FhirRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class FhirView(ApiMixin, APIView):
    renderer_classes = [FhirRenderer, JSONRenderer]

    def _type(self, kind: str):
        if kind not in TYPES:
            raise NotFound(f"FHIR resource type {kind} is not served here.")
        return TYPES[kind]

    def _log(self, resource_type, rows) -> None:
        if resource_type.log_kind is None:
            return
        for row in rows:
            log_read(self.request, patient=resource_type.patient_of(row), kind=resource_type.log_kind, object_id=row.pk)


@extend_schema(exclude=True)
class MetadataView(FhirView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(capability_statement())


@extend_schema(exclude=True)
class ReadView(FhirView):
    def get(self, request, kind: str, pk: str):
        resource_type = self._type(kind)
        row = resource_type.scope(request.user).filter(pk=parse_pk(pk)).first()
        if row is None:
            raise NotFound()
        self._log(resource_type, [row])
        return Response(build(kind, row))


@extend_schema(exclude=True)
class SearchView(FhirView):
    """Searchset Bundles in primary-key order; `next` continues after the last id on the page, so paging visits
    every row exactly once even while rows are added."""

    def get(self, request, kind: str):
        resource_type = self._type(kind)
        queryset = resource_type.scope(request.user)
        params = request.query_params
        for name in params:
            if name in ("_count", "_after", "_format"):
                continue
            if name not in resource_type.search:
                raise ValidationError({name: [f"{kind} cannot be searched by {name}."]})
            for value in params.getlist(name):
                try:
                    queryset = resource_type.search[name](queryset, value)
                except ValueError as error:
                    raise ValidationError({name: [str(error)]}) from error
        count = _bounded_int(params.get("_count"), COUNT_DEFAULT, COUNT_MAX)
        after = _bounded_int(params.get("_after"), 0, 2**63 - 1)
        rows = list(queryset.filter(pk__gt=after).order_by("pk")[: count + 1])
        page, more = rows[:count], len(rows) > count
        self._log(resource_type, page)
        links = [{"relation": "self", "url": request.get_full_path()}]
        if more:
            query = params.copy()
            query["_after"] = str(page[-1].pk)
            links.append({"relation": "next", "url": f"{request.path}?{query.urlencode()}"})
        return Response(bundle([build(kind, row) for row in page], links=links, kind="searchset"))


@extend_schema(exclude=True)
class EverythingView(FhirView):
    """The patient's whole record as one Bundle: for the patient themself."""

    def get(self, request, pk: str):
        patient = TYPES["Patient"].scope(request.user).filter(pk=parse_pk(pk), user=request.user).first()
        if patient is None:
            raise NotFound()
        return Response(everything_bundle(request, patient))


def everything_bundle(request, patient) -> dict:
    """Every resource about `patient` the requesting user may see (shared by the API and the web download)."""
    log_read(request, patient=patient, kind=AccessLogEntry.Kind.HISTORY, object_id=patient.pk)
    entries = [build("Patient", patient)]
    filters = {
        "Appointment": "patient_id", "Encounter": "patient_id", "Condition": "visit__patient_id",
        "MedicationRequest": "prescription__patient_id", "DocumentReference": "patient_id",
        "ImagingStudy": "patient_id",
    }  # fmt: skip
    for kind, field_name in filters.items():
        rows = TYPES[kind].scope(request.user).filter(**{field_name: patient.pk}).order_by("pk")
        entries += [build(kind, row) for row in rows]
    doctors = {entry["participant"][1]["actor"]["reference"] for entry in entries if entry["resourceType"] ==
               "Appointment"}  # fmt: skip
    practitioners = (
        TYPES["Practitioner"].scope(request.user).filter(pk__in=[int(reference.split("/")[1]) for reference in doctors])
    )
    entries += [build("Practitioner", row) for row in practitioners.order_by("pk")]
    return bundle(entries, links=[], kind="searchset")


def bundle(resources: list[dict], *, links: list[dict], kind: str) -> dict:
    return {
        "resourceType": "Bundle", "type": kind, "timestamp": timezone.now().isoformat(),
        **({"link": links} if links else {}),
        "entry": [{"fullUrl": f"{reverse('fhir:metadata').removesuffix('metadata')}{r['resourceType']}/{r['id']}",
                   "resource": r, "search": {"mode": "match"}} for r in resources],
    }  # fmt: skip


def _bounded_int(value, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise ValidationError({"_count": [f"{value} is not a whole number."]})
    return max(0, min(int(text[:20]), maximum))


def capability_statement() -> dict:
    resources = [
        {
            "type": name, "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": param, "type": _param_type(param)} for param in sorted(resource.search)]
            + [{"name": "_count", "type": "number"}],
            **({"operation": [{"name": "everything",
                               "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]}
               if name == "Patient" else {}),
        }
        for name, resource in TYPES.items()
    ]  # fmt: skip
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-28", "kind": "instance",
        "fhirVersion": "4.0.1", "format": ["json"], "software": {"name": "HMS"},
        "implementation": {"description": "HMS FHIR R4 read API", "url": reverse("fhir:metadata")},
        "rest": [{"mode": "server", "security": {"description": "Bearer JWT from /_allauth/app/v1/auth/login"},
                  "resource": resources}],
    }  # fmt: skip


def _param_type(name: str) -> str:
    if name in ("date", "birthdate", "authoredon", "started", "recorded-date"):
        return "date"
    if name in ("patient", "practitioner", "organization", "encounter"):
        return "reference"
    if name in ("name", "address-city"):
        return "string"
    return "token"
