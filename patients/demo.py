import datetime

from accounts.demo import demo_user
from accounts.models import User
from patients.models import MedicalBackground, PatientProfile
from patients.services import medical_background_save, patient_profile_create

PATIENTS = [
    ("patient@example.com", "Pat Kumar", "+91 98450 00001", datetime.date(1985, 4, 12), "male", "B+"),
    ("patient2@example.com", "Paula Schmidt", "+49 151 0000 0002", datetime.date(1992, 9, 3), "female", "O-"),
    ("patient3@example.com", "Ravi Menon", "+91 98450 00003", datetime.date(1960, 1, 25), "male", "A+"),
    ("patient4@example.com", "Lea Fischer", "+49 151 0000 0004", datetime.date(2015, 6, 30), "female", ""),
]


def seed(demo: dict) -> None:
    patients = {}
    for email, name, phone, dob, sex, blood in PATIENTS:
        user = demo_user(email, name, User.Role.PATIENT, phone=phone)
        profile = PatientProfile.objects.filter(user=user).first() or patient_profile_create(
            user=user, date_of_birth=dob, sex=sex, blood_group=blood
        )
        patients[email] = profile
    demo["patients"] = patients

    # Self-reported background for the main demo patient (kept if they have already edited it).
    pat = patients["patient@example.com"]
    if not MedicalBackground.objects.filter(patient=pat).exists():
        medical_background_save(
            actor=pat.user, patient=pat,
            allergies="Penicillin (skin rash, 2012)",
            chronic_conditions="Essential hypertension (since 2019)",
            past_surgeries="Appendectomy, 2004",
            current_medications="Amlodipine 5 mg, once daily in the morning",
            family_history="Father: type 2 diabetes. Mother: hypertension.",
        )  # fmt: skip
