from django.urls import reverse

from prescriptions.catalogue import icd10_codes, medicines, search_icd10, search_medicines


def test_shipped_lists_are_substantial_and_well_formed():
    codes = icd10_codes()
    assert len(codes) >= 300
    assert len({c.code for c in codes}) == len(codes)
    assert all(c.code[0].isalpha() and c.description for c in codes)
    assert len(medicines()) >= 150


def test_icd10_search_by_code_and_by_words():
    assert search_icd10("I10")[0].description == "Essential (primary) hypertension"
    assert search_icd10("e11")[0].code.startswith("E11")
    assert "E11.9" in [c.code for c in search_icd10("type 2 diabetes")]
    assert [c.code for c in search_icd10("diabetes pregnancy")] == ["O24.4"]
    assert search_icd10("") == []


def test_medicine_search():
    results = search_medicines("amox")
    assert results and all("amoxicillin" in r.name.lower() for r in results)
    assert {(r.strength, r.form) for r in search_medicines("paracetamol 500")} == {("500 mg", "Tablet")}


def test_search_endpoints_are_for_doctors(doctor, patient, client_for):
    response = client_for(doctor.user).get(reverse("prescriptions:icd10_search"), {"q": "asthma"})
    assert response.status_code == 200 and response.json()["results"][0]["code"] == "J45.9"
    response = client_for(doctor.user).get(reverse("prescriptions:medicine_search"), {"q": "metformin"})
    assert {r["strength"] for r in response.json()["results"]} == {"500 mg", "1000 mg"}
    assert client_for(patient.user).get(reverse("prescriptions:icd10_search"), {"q": "x"}).status_code == 403
