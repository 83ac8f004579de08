from django.utils.text import slugify

from accounts.demo import demo_user
from accounts.models import User
from doctors.models import DoctorProfile, Language, Specialization
from hospitals.models import Affiliation

SPECIALIZATIONS = [
    "Cardiology", "Dermatology", "Endocrinology", "ENT", "Gastroenterology", "General Medicine",
    "Gynaecology", "Neurology", "Ophthalmology", "Orthopaedics", "Paediatrics", "Psychiatry",
    "Pulmonology", "Radiology", "Urology",
]  # fmt: skip

LANGUAGES = ["English", "German", "Hindi", "Kannada", "Malayalam", "Marathi", "Tamil", "Turkish"]

QUALIFICATIONS = {
    "doctor@example.com": "MBBS, MD (Internal Medicine), DM (Cardiology)",
    "doctor2@example.com": "Dr. med., Facharzt für Dermatologie",
    "doctor3@example.com": "MBBS, DCH, MD (Paediatrics)",
    "doctor4@example.com": "Dr. med., Facharzt für Orthopädie und Unfallchirurgie",
    "doctor5@example.com": "MBBS, MD (Medicine), DM (Neurology)",
}
BIOS = {
    "doctor@example.com": "Interventional cardiologist with 14 years of experience in heart failure clinics and "
    "preventive cardiology. Consults in Bengaluru and, by video, with patients of Spree Klinikum.",
    "doctor2@example.com": "Dermatologist focusing on eczema, psoriasis and skin cancer screening.",
    "doctor3@example.com": "Paediatrician who looks after newborns to teenagers: vaccinations, growth and asthma.",
    "doctor4@example.com": "Orthopaedic surgeon for knees, shoulders and sports injuries.",
    "doctor5@example.com": "Neurologist for headaches, epilepsy and stroke follow-up care.",
}

# email, name, registration number, specializations, languages, years
DOCTORS = [
    ("doctor@example.com", "Asha Rao", "MCI-100001", ["Cardiology", "General Medicine"], "English, Hindi, Kannada", 14),
    ("doctor2@example.com", "Lukas Becker", "LAEK-200002", ["Dermatology"], "German, English", 9),
    ("doctor3@example.com", "Priya Nair", "MCI-100003", ["Paediatrics"], "English, Malayalam", 7),
    ("doctor4@example.com", "Jonas Weber", "LAEK-200004", ["Orthopaedics"], "German", 18),
    ("doctor5@example.com", "Meera Iyer", "MCI-100005", ["Neurology", "General Medicine"], "English, Tamil", 11),
]


def seed(demo: dict) -> None:
    specializations = {}
    for name in SPECIALIZATIONS:
        specializations[name], _ = Specialization.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    demo["specializations"] = specializations

    languages = {name: Language.objects.get_or_create(name=name)[0] for name in LANGUAGES}
    demo["languages"] = languages

    doctors = {}
    for email, name, number, specs, spoken, years in DOCTORS:
        user = demo_user(email, name, User.Role.DOCTOR, phone="+91 80 4000 0000")
        profile, created = DoctorProfile.objects.get_or_create(
            user=user,
            defaults={
                "registration_number": number, "years_of_experience": years,
                "qualifications": QUALIFICATIONS.get(email, "MBBS, MD"), "bio": BIOS.get(email, ""),
            },
        )  # fmt: skip
        if created:
            profile.specializations.set([specializations[s] for s in specs])
        # Databases seeded before languages and bios existed get them filled in once; edits are kept.
        if not profile.languages.exists():
            profile.languages.set([languages[lang.strip()] for lang in spoken.split(",")])
        if not profile.bio or profile.bio.endswith("years of clinical experience."):
            profile.bio = BIOS[email]
            profile.qualifications = QUALIFICATIONS[email]
            profile.save(update_fields=["bio", "qualifications"])
        doctors[email] = profile
    demo["doctors"] = doctors

    # doctor@example.com works at both approved hospitals (two time zones).
    affiliations = [
        ("doctor@example.com", "city-care-bengaluru", "Cardiology", 800),
        ("doctor@example.com", "spree-klinikum-berlin", "Cardiology", 90),
        ("doctor2@example.com", "spree-klinikum-berlin", "Dermatology", 70),
        ("doctor3@example.com", "city-care-bengaluru", "Paediatrics", 600),
        ("doctor4@example.com", "spree-klinikum-berlin", "Orthopaedics", 110),
        ("doctor5@example.com", "city-care-bengaluru", "Neurology", 900),
    ]
    for email, slug, department_name, fee in affiliations:
        hospital = demo["hospitals"][slug]
        Affiliation.objects.get_or_create(
            doctor=doctors[email], hospital=hospital, is_active=True,
            defaults={"department": hospital.departments.get(name=department_name), "consultation_fee": fee},
        )  # fmt: skip

    # A doctor waiting for City Care's approval (issue 11): hadmin@example.com sees the request with the
    # registration number under Doctors; the doctor is not listed or bookable there until approved.
    from hospitals.models import JoinRequest

    city_care = demo["hospitals"]["city-care-bengaluru"]
    if not Affiliation.objects.filter(doctor=doctors["doctor2@example.com"], hospital=city_care).exists():
        JoinRequest.objects.get_or_create(
            doctor=doctors["doctor2@example.com"], hospital=city_care, status=JoinRequest.Status.PENDING,
            defaults={"department": city_care.departments.filter(name="Dermatology").first(), "consultation_fee": 650},
        )  # fmt: skip
