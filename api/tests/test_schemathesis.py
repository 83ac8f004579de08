"""Schemathesis over the whole OpenAPI schema, in-process (WSGI), signed in through a real JWT: at least 50
generated requests per operation, and no response may be a 500 or contradict the schema (status codes, content
types, bodies)."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from api.tests.conftest import access_token_for
from api.throttling import AnonThrottle, UserThrottle

EXAMPLES = 50


@pytest.fixture
def _keep_test_connection():
    """Django's WSGI handler closes the database connection after each request; the test transaction needs it
    open (django.test.Client does the same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="session")
def _loaded_schema():
    # Generated once (the same document /api/schema/ serves): it takes seconds and is the same for every operation.
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


@pytest.fixture
def api_schema(db, monkeypatch, _keep_test_connection, _loaded_schema):
    # Throttling is tested on its own; here it would only turn generated requests into 429s.
    monkeypatch.setattr(UserThrottle, "THROTTLE_RATES", {"user": None, "anon": None})
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", {"user": None, "anon": None})
    return _loaded_schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def bearer(care_appointment, doctor):
    """The treating doctor with a written visit note: generated ids sometimes hit real rows."""
    from patients.tests.conftest import VITALS
    from prescriptions.services import diagnosis_add, visit_note_save

    note = visit_note_save(actor=doctor.user, appointment=care_appointment, data=VITALS)
    diagnosis_add(actor=doctor.user, visit=note, icd10_code="I10")
    return {"Authorization": f"Bearer {access_token_for(doctor.user)}"}


@pytest.mark.timeout(900)  # one test walks every operation: ~2 minutes on an idle 2-core machine
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, bearer):
    # Every check that is about the responses. Left out: "schema-valid data is accepted" (a well-formed request can
    # still be refused by a rule, e.g. a time that is not a slot, with a documented 400) and "schema-violating data
    # is rejected" (DRF is lenient on input the schema does not describe, e.g. a repeated query parameter or the
    # number 0 for a text field, and treats it like its documented form).
    case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance, negative_data_rejection])
