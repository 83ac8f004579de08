from django.conf import settings
from django.db import models


class Specialization(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=110, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DoctorProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_profile")
    registration_number = models.CharField("licence / registration number", max_length=50, unique=True)
    specializations = models.ManyToManyField(Specialization, related_name="doctors", blank=True)
    qualifications = models.CharField(max_length=300, blank=True)
    years_of_experience = models.PositiveSmallIntegerField(default=0)
    languages = models.ManyToManyField(Language, related_name="doctors", blank=True)
    bio = models.TextField(blank=True)
    # Stored in the private files folder and served by doctors:photo, never by a media URL.
    photo = models.ImageField(upload_to="doctor-photos/", blank=True)
    photo_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"Dr {self.user.full_name}"

    @property
    def display_name(self) -> str:
        return f"Dr {self.user.full_name}"
