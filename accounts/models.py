from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def normalize_email(self, email: str) -> str:
        # The whole address is folded to lower case: people type their e-mail in every case and
        # expect it to be one account. A case-insensitive unique constraint backs this up.
        return (email or "").strip().lower()

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.SUPER_ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        # Equality on lower(email) is what the case-insensitive unique index holds: a login is one index lookup
        # (email__iexact compiles to UPPER(email) = UPPER(%s) on PostgreSQL, which no index serves).
        return self.alias(email_lower=Lower("email")).get(email_lower=self.normalize_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        PATIENT = "patient", "Patient"
        DOCTOR = "doctor", "Doctor"
        HOSPITAL_ADMIN = "hospital_admin", "Hospital admin"
        STAFF = "staff", "Hospital staff"
        SUPER_ADMIN = "super_admin", "Super admin"

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("Django admin access", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def save(self, *args, **kwargs):
        self.email = User.objects.normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_doctor(self) -> bool:
        return self.role == self.Role.DOCTOR

    @property
    def is_hospital_admin(self) -> bool:
        return self.role == self.Role.HOSPITAL_ADMIN

    @property
    def is_hospital_staff(self) -> bool:
        return self.role == self.Role.STAFF

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or self.role == self.Role.SUPER_ADMIN
