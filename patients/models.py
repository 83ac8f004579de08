from django.conf import settings
from django.db import models


class PatientProfile(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNDISCLOSED = "undisclosed", "Prefer not to say"

    class BloodGroup(models.TextChoices):
        UNKNOWN = "", "Unknown"
        A_POS = "A+", "A+"
        A_NEG = "A-", "A-"
        B_POS = "B+", "B+"
        B_NEG = "B-", "B-"
        AB_POS = "AB+", "AB+"
        AB_NEG = "AB-", "AB-"
        O_POS = "O+", "O+"
        O_NEG = "O-", "O-"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_profile")
    # Human-friendly number printed on prescriptions and used by the front desk ("P000042").
    patient_number = models.CharField(max_length=20, unique=True, editable=False)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.UNDISCLOSED)
    blood_group = models.CharField(max_length=3, choices=BloodGroup.choices, blank=True, default="")
    address = models.CharField(max_length=300, blank=True)
    emergency_contact = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user.full_name} ({self.patient_number})"
