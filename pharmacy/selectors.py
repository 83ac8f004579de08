"""Reads of the dispensary, always scoped to the one hospital a pharmacist or hospital admin works for."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from hospitals.models import Hospital, HospitalMembership
from pharmacy.models import Batch, Dispense, Product, StockLevel, StockMovement
from prescriptions.models import Prescription, PrescriptionItem

PHARMACIST = HospitalMembership.Role.PHARMACIST
ADMIN = HospitalMembership.Role.ADMIN


# --- who works where ---------------------------------------------------------------------------------


def _membership(user: User, *roles: str) -> HospitalMembership | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return (
        HospitalMembership.objects.filter(
            user=user, is_active=True, role__in=roles, hospital__status=Hospital.Status.APPROVED
        )
        .select_related("hospital")
        .order_by("pk")
        .first()
    )


def is_pharmacist(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.STAFF and _membership(user, PHARMACIST) is not None


def pharmacist_hospital_of(user: User) -> Hospital:
    """The approved hospital whose dispensary this pharmacist works in (403 for everybody else)."""
    membership = _membership(user, PHARMACIST) if user.is_authenticated and user.role == User.Role.STAFF else None
    if membership is None:
        raise PermissionDenied(_("The dispensary is open only to pharmacists of an approved hospital."))
    return membership.hospital


def stock_hospital_of(user: User) -> Hospital:
    """The hospital whose stock this pharmacist or hospital admin may look at (403 for everybody else)."""
    membership = _membership(user, PHARMACIST, ADMIN) if user.is_authenticated else None
    if membership is None:
        raise PermissionDenied(_("Stock pages are open only to pharmacists and admins of an approved hospital."))
    return membership.hospital


def admin_hospital_of(user: User) -> Hospital:
    membership = _membership(user, ADMIN) if user.is_authenticated else None
    if membership is None:
        raise PermissionDenied(_("Only the hospital's admin can change reorder levels and see stock reports."))
    return membership.hospital


def hospital_ids_of(user: User, roles=(PHARMACIST, ADMIN)) -> QuerySet:
    """The hospitals whose stock the user works with, as a subquery (no extra round trip)."""
    if not user.is_authenticated or not user.is_active:
        return HospitalMembership.objects.none().values("hospital_id")
    return HospitalMembership.objects.filter(user=user, is_active=True, role__in=roles).values("hospital_id")


def batches_visible_to(user: User) -> QuerySet[Batch]:
    base = Batch.objects.select_related("product", "hospital")
    if user.is_authenticated and user.is_superuser:
        return base
    return base.filter(hospital_id__in=hospital_ids_of(user))


def movements_visible_to(user: User) -> QuerySet[StockMovement]:
    base = StockMovement.objects.select_related("batch", "product", "actor", "hospital")
    if user.is_authenticated and user.is_superuser:
        return base
    return base.filter(hospital_id__in=hospital_ids_of(user))


def dispenses_visible_to(user: User) -> QuerySet[Dispense]:
    base = Dispense.objects.select_related("prescription__patient__user", "prescription__doctor__user", "pharmacist")
    if user.is_authenticated and user.is_superuser:
        return base
    return base.filter(hospital_id__in=hospital_ids_of(user))


def prescriptions_for_dispensing(user: User) -> QuerySet[Prescription]:
    """Issued (and superseded, to say why they are refused) prescriptions written at the pharmacist's hospital."""
    return Prescription.objects.filter(
        hospital_id__in=hospital_ids_of(user, roles=(PHARMACIST,)),
        status__in=[Prescription.Status.ISSUED, Prescription.Status.SUPERSEDED],
    ).select_related("patient__user", "doctor__user", "hospital", "superseded_by")


# --- time --------------------------------------------------------------------------------------------


def local_today(hospital: Hospital, now: datetime.datetime | None = None) -> datetime.date:
    """'Today' in the hospital's own zone: a batch expiring today is already out for that hospital."""
    return timezone.localtime(now or timezone.now(), hospital.tz).date()


def near_expiry_days() -> int:
    return settings.PHARMACY_NEAR_EXPIRY_DAYS


def batch_is_offerable(batch: Batch, today: datetime.date) -> bool:
    return batch.expires_on > today and batch.on_hand > 0


def batch_not_offered_reason(batch: Batch, today: datetime.date) -> str:
    """Why FEFO will not pick this batch ("" when it will)."""
    if batch.expires_on <= today:
        return _("Expired on %(date)s: it can only be written off.") % {"date": batch.expires_on.isoformat()}
    if batch.on_hand <= 0:
        return _("Nothing left in this batch.")
    return ""


def batch_is_near_expiry(batch: Batch, today: datetime.date) -> bool:
    return today < batch.expires_on <= today + datetime.timedelta(days=near_expiry_days())


# --- catalogue -----------------------------------------------------------------------------------------


def catalogue_product_matching(*, name: str, strength: str, form: str) -> Product | None:
    """The catalogue product a prescribed line names exactly (case-insensitive), or None for a typed-in one."""
    if not name.strip():
        return None
    return Product.objects.filter(
        is_active=True,
        generic_name__iexact=name.strip(),
        strength__iexact=strength.strip(),
        form__iexact=form.strip(),
    ).first()


def search_products(query: str, limit: int = 15) -> list[Product]:
    words = [word for word in query.lower().replace(",", " ").split() if word][:6]
    if not words:
        return []
    products = Product.objects.filter(is_active=True)
    for word in words:
        products = products.filter(
            Q(generic_name__icontains=word) | Q(strength__icontains=word) | Q(form__icontains=word)
        )
    found = list(products.order_by("generic_name", "strength")[: limit * 3])
    # Names that start with the query come first ("para" → Paracetamol before "…paracetamol combination").
    found.sort(key=lambda product: (not product.generic_name.lower().startswith(words[0]), product.generic_name))
    return found[:limit]


def in_stock_product_ids(hospital: Hospital, product_ids, today: datetime.date | None = None) -> set[int]:
    """Which of these products have dispensable (unexpired) units at the hospital. One query."""
    today = today or local_today(hospital)
    return set(
        Batch.objects.filter(hospital=hospital, product_id__in=list(product_ids), expires_on__gt=today, on_hand__gt=0)
        .values_list("product_id", flat=True)
        .distinct()
    )


def item_products(items) -> dict[int, Product | None]:
    """The product each line dispenses: the doctor's catalogue pick, else the pharmacist's mapping."""
    return {
        item.pk: item.product
        if item.product_id
        else (item.mapping.product if hasattr(item, "mapping") and item.mapping else None)
        for item in items
    }


# --- dispensing progress -----------------------------------------------------------------------------------


class ItemStatus:
    NOT_DISPENSED = "not"
    PARTIAL = "partial"
    COMPLETE = "complete"


STATUS_LABELS = {
    ItemStatus.NOT_DISPENSED: _("Not yet dispensed"),
    ItemStatus.PARTIAL: _("Partly dispensed"),
    ItemStatus.COMPLETE: _("Dispensed"),
}


@dataclass
class ItemProgress:
    item: PrescriptionItem
    product: Product | None
    requested: int
    dispensed: int
    batches: list = field(default_factory=list)  # (batch, proposed quantity, offered, reason, near expiry)
    available: int = 0

    @property
    def remaining(self) -> int:
        return max(self.requested - self.dispensed, 0)

    @property
    def status(self) -> str:
        if self.dispensed <= 0:
            return ItemStatus.NOT_DISPENSED
        if self.dispensed >= self.requested:
            return ItemStatus.COMPLETE
        return ItemStatus.PARTIAL

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def proposed(self) -> int:
        return min(self.remaining, self.available)


def dispensed_by_item(item_ids) -> dict[int, int]:
    """Units handed out per prescription line, net of returns (dispense rows are negative). One query."""
    rows = (
        StockMovement.objects.filter(
            prescription_item_id__in=list(item_ids), kind__in=[StockMovement.Kind.DISPENSE, StockMovement.Kind.RETURN]
        )
        .values("prescription_item_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["prescription_item_id"]: -row["total"] for row in rows}


def prescription_progress(prescription: Prescription) -> list[ItemProgress]:
    """Per line: what was asked for, what was given. Two queries however many lines (patient and pharmacist)."""
    items = list(prescription.items.select_related("product", "mapping__product"))
    dispensed = dispensed_by_item(item.pk for item in items)
    products = item_products(items)
    return [
        ItemProgress(
            item=item,
            product=products[item.pk],
            requested=item.dispense_quantity or 0,
            dispensed=dispensed.get(item.pk, 0),
        )
        for item in items
    ]


def progress_with_batches(prescription: Prescription, hospital: Hospital) -> list[ItemProgress]:
    """The dispense page: each line with every batch of its product at this hospital, the FEFO proposal for
    what is still to give, and why a batch is not offered. Three queries however many lines and batches."""
    progress = prescription_progress(prescription)
    today = local_today(hospital)
    product_ids = {row.product.pk for row in progress if row.product}
    batches = list(
        Batch.objects.filter(hospital=hospital, product_id__in=product_ids, on_hand__gt=0).order_by("expires_on", "id")
    )
    by_product: dict[int, list[Batch]] = {}
    for batch in batches:
        by_product.setdefault(batch.product_id, []).append(batch)
    for row in progress:
        if not row.product:
            continue
        product_batches = by_product.get(row.product.pk, [])
        row.available = sum(b.on_hand for b in product_batches if batch_is_offerable(b, today))
        plan = dict(fefo_plan(product_batches, row.remaining, today)[0])
        row.batches = [
            {
                "batch": b,
                "take": plan.get(b.pk, 0),
                "offered": batch_is_offerable(b, today),
                "reason": batch_not_offered_reason(b, today),
                "near_expiry": batch_is_near_expiry(b, today),
            }
            for b in product_batches
        ]
    return progress


def fefo_plan(batches, quantity: int, today: datetime.date) -> tuple[list[tuple[int, int]], int]:
    """Earliest-expiring unexpired batches first, split across batches: [(batch id, units)], shortfall."""
    plan = []
    left = quantity
    for batch in sorted(batches, key=lambda b: (b.expires_on, b.pk)):
        if left <= 0:
            break
        if not batch_is_offerable(batch, today):
            continue
        take = min(batch.on_hand, left)
        plan.append((batch.pk, take))
        left -= take
    return plan, left


def dispensing_queue(hospital: Hospital, query: str = "") -> QuerySet[Prescription]:
    """Current issued prescriptions written at the hospital, newest first, with units asked for and given."""
    given = (
        StockMovement.objects.filter(
            prescription_item__prescription=OuterRef("pk"),
            kind__in=[StockMovement.Kind.DISPENSE, StockMovement.Kind.RETURN],
        )
        .values("prescription_item__prescription")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    asked = (
        PrescriptionItem.objects.filter(prescription=OuterRef("pk"))
        .values("prescription")
        .annotate(total=Sum("dispense_quantity"))
        .values("total")
    )
    queue = (
        Prescription.objects.filter(hospital=hospital, status=Prescription.Status.ISSUED)
        .select_related("patient__user", "doctor__user")
        .annotate(
            units_asked=Coalesce(Subquery(asked, output_field=IntegerField()), Value(0)),
            units_given=-Coalesce(Subquery(given, output_field=IntegerField()), Value(0)),
        )
        .order_by("-issued_at", "-id")
    )
    query = query.strip()[:100]
    if query:
        queue = queue.filter(
            Q(patient__user__full_name__icontains=query)
            | Q(patient__patient_number__iexact=query)
            | Q(series__in=_series_from_number(query))
        )
    return queue


def _series_from_number(query: str) -> list[int]:
    """'RX000012-v2', 'RX12' or '12' → series 12."""
    digits = query.upper().removeprefix("RX").split("-")[0]
    return [int(digits)] if digits.isdigit() and len(digits) < 12 else []


# --- stock lists -------------------------------------------------------------------------------------------


def stock_by_product(hospital: Hospital, query: str = "", today: datetime.date | None = None) -> QuerySet[Product]:
    """Products the hospital holds or has a reorder level for, with usable and expired units. One query."""
    today = today or local_today(hospital)
    here = Q(batches__hospital=hospital)
    products = Product.objects.filter(
        Q(batches__hospital=hospital) | Q(stock_levels__hospital=hospital, stock_levels__reorder_level__gt=0)
    ).distinct()
    products = Product.objects.filter(pk__in=products.values("pk"))
    level = StockLevel.objects.filter(hospital=hospital, product=OuterRef("pk")).values("reorder_level")[:1]
    products = products.annotate(
        usable=Coalesce(Sum("batches__on_hand", filter=here & Q(batches__expires_on__gt=today)), Value(0)),
        expired=Coalesce(Sum("batches__on_hand", filter=here & Q(batches__expires_on__lte=today)), Value(0)),
        reorder_level=Coalesce(Subquery(level, output_field=IntegerField()), Value(0)),
    ).order_by("generic_name", "strength", "form")
    for word in query.lower().split()[:6]:
        products = products.filter(Q(generic_name__icontains=word) | Q(strength__icontains=word))
    return products


def low_stock_products(hospital: Hospital, today: datetime.date | None = None) -> QuerySet[Product]:
    return stock_by_product(hospital, today=today).filter(reorder_level__gt=0, usable__lt=F("reorder_level"))


def near_expiry_batches(hospital: Hospital, today: datetime.date | None = None) -> QuerySet[Batch]:
    today = today or local_today(hospital)
    return (
        Batch.objects.filter(
            hospital=hospital,
            on_hand__gt=0,
            expires_on__gt=today,
            expires_on__lte=today + datetime.timedelta(days=near_expiry_days()),
        )
        .select_related("product")
        .order_by("expires_on", "id")
    )


def expired_batches(hospital: Hospital, today: datetime.date | None = None) -> QuerySet[Batch]:
    today = today or local_today(hospital)
    return (
        Batch.objects.filter(hospital=hospital, on_hand__gt=0, expires_on__lte=today)
        .select_related("product")
        .order_by("expires_on", "id")
    )


def non_expired_on_hand(hospital: Hospital, product: Product, today: datetime.date | None = None) -> int:
    today = today or local_today(hospital)
    return Batch.objects.filter(hospital=hospital, product=product, expires_on__gt=today).aggregate(
        total=Coalesce(Sum("on_hand"), Value(0))
    )["total"]


# --- reports (hospital admin) -------------------------------------------------------------------------------


def _end_of_day(hospital: Hospital, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=hospital.tz)


def stock_valuation(hospital: Hospital, as_of: datetime.date) -> list[dict]:
    """Units and value (at cost and at sale price) per batch at the end of `as_of` in the hospital's zone,
    rebuilt from the ledger, so a past date shows what was on the shelf then. One query."""
    rows = (
        StockMovement.objects.filter(hospital=hospital, created_at__lt=_end_of_day(hospital, as_of))
        .values(
            "batch_id", "batch__batch_number", "batch__expires_on", "batch__cost_price", "batch__sale_price",
            "batch__currency", "product__generic_name", "product__strength", "product__form",
        )
        .annotate(units=Sum("quantity"))
        .filter(units__gt=0)
        .order_by("product__generic_name", "product__strength", "batch__expires_on")
    )  # fmt: skip
    result = []
    for row in rows:
        result.append(
            {
                "product": " ".join(
                    p
                    for p in (row["product__generic_name"], row["product__strength"], row["product__form"].lower())
                    if p
                ),
                "batch_number": row["batch__batch_number"],
                "expires_on": row["batch__expires_on"],
                "units": row["units"],
                "currency": row["batch__currency"],
                "cost_value": row["batch__cost_price"] * row["units"],
                "sale_value": row["batch__sale_price"] * row["units"],
            }
        )
    return result


def valuation_totals(rows: list[dict]) -> dict[str, dict[str, Decimal]]:
    totals: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        total = totals.setdefault(row["currency"], {"cost_value": Decimal("0"), "sale_value": Decimal("0")})
        total["cost_value"] += row["cost_value"]
        total["sale_value"] += row["sale_value"]
    return totals


def movements_between(hospital: Hospital, start: datetime.date, end: datetime.date) -> QuerySet[StockMovement]:
    begin = datetime.datetime.combine(start, datetime.time(), tzinfo=hospital.tz)
    return (
        StockMovement.objects.filter(
            hospital=hospital, created_at__gte=begin, created_at__lt=_end_of_day(hospital, end)
        )
        .select_related("product", "batch", "actor")
        .order_by("created_at", "id")
    )


def movement_summary(hospital: Hospital, start: datetime.date, end: datetime.date) -> list[dict]:
    """Units in and out per product and kind of movement in the date range. One query."""
    return list(
        movements_between(hospital, start, end)
        .order_by()
        .values("product__generic_name", "product__strength", "product__form", "kind")
        .annotate(units=Sum("quantity"))
        .order_by("product__generic_name", "product__strength", "kind")
    )
