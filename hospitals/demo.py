from accounts.demo import demo_user
from accounts.models import User
from hospitals.models import Department, Hospital, HospitalMembership

# Two approved hospitals in different time zones, and one waiting for approval.
HOSPITALS = [
    (
        "city-care-bengaluru",
        "City Care Hospital",
        "Bengaluru",
        "12 MG Road",
        "+91 80 4000 1000",
        "Asia/Kolkata",
        "approved",
    ),
    (
        "spree-klinikum-berlin",
        "Spree Klinikum",
        "Berlin",
        "Invalidenstraße 5",
        "+49 30 5000 2000",
        "Europe/Berlin",
        "approved",
    ),
    ("lakeside-clinic-pune", "Lakeside Clinic", "Pune", "4 Lake Road", "+91 20 6000 3000", "Asia/Kolkata", "pending"),
]
DESCRIPTIONS = {
    "city-care-bengaluru": "A 300-bed multi-speciality hospital in central Bengaluru with a 24-hour emergency unit.",
    "spree-klinikum-berlin": "Teaching hospital by the Spree, with outpatient clinics for every specialty.",
    "lakeside-clinic-pune": "A family clinic by the lake in Pune.",
}
DEPARTMENTS = ["Cardiology", "Dermatology", "General Medicine", "Neurology", "Orthopaedics", "Paediatrics"]


def seed(demo: dict) -> None:
    hospitals = {}
    for slug, name, city, address, phone, tz, status in HOSPITALS:
        hospital, _ = Hospital.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "city": city,
                "address": address,
                "phone": phone,
                "time_zone": tz,
                "status": status,
            },
        )
        if not hospital.description:
            hospital.description = DESCRIPTIONS[slug]
            hospital.save(update_fields=["description"])
        for department in DEPARTMENTS:
            Department.objects.get_or_create(hospital=hospital, name=department)
        hospitals[slug] = hospital
    demo["hospitals"] = hospitals
    first, berlin = hospitals["city-care-bengaluru"], hospitals["spree-klinikum-berlin"]
    pending = hospitals["lakeside-clinic-pune"]
    admin, front_desk = HospitalMembership.Role.ADMIN, HospitalMembership.Role.FRONT_DESK

    for email, name, role, hospital, membership_role in [
        ("hadmin@example.com", "Hari Admin", User.Role.HOSPITAL_ADMIN, first, admin),
        ("hadmin2@example.com", "Hanna Admin", User.Role.HOSPITAL_ADMIN, berlin, admin),
        ("pending-admin@example.com", "Pia Pending", User.Role.HOSPITAL_ADMIN, pending, admin),
        ("staff@example.com", "Sita Staff", User.Role.STAFF, first, front_desk),
    ]:
        user = demo_user(email, name, role)
        HospitalMembership.objects.get_or_create(user=user, hospital=hospital, defaults={"role": membership_role})
