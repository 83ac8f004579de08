def test_me(api_for, patient):
    response = api_for(patient.user).get("/api/v1/me/")
    assert response.status_code == 200, response.content
    assert response.json()["patient_id"] == patient.pk


def test_anonymous_is_401_json(api_for, db):
    response = api_for().get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
