"""Every stock change and dispensing rule. Each change writes one append-only StockMovement and moves the batch's
running total with a conditional UPDATE, under row locks, so concurrent dispenses are serialised by the database
and stock can never go below zero (a CHECK constraint backs that up)."""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from hms.errors import DomainError
from hospitals.models import Hospital, HospitalMembership
from notifications.models import Notification
from notifications.services import notify
from pharmacy import selectors
from pharmacy.models import Batch, Dispense, ItemMapping, NearExpiryDigest, Product, StockLevel, StockMovement
from prescriptions.models import Prescription, PrescriptionItem

Kind = StockMovement.Kind
MAX_UNITS = 100_000


class PharmacyError(DomainError):
    """A dispensing or stock rule refused the change; nothing was changed."""


class AlreadyDispensedError(PharmacyError):
    """The same Dispense form was submitted twice (double click, replay)."""


def hospital_currency(hospital: Hospital) -> str:
    return getattr(hospital, "currency", "") or settings.PHARMACY_DEFAULT_CURRENCY


def _check_units(quantity, *, what: str) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1 or quantity > MAX_UNITS:
        raise PharmacyError(
            _("%(what)s must be a whole number of units from 1 to %(max)s.") % {"what": what, "max": MAX_UNITS}
        )
    return quantity


def _move(*, actor: User, batch: Batch, kind: str, quantity: int, reason: str = "", **links) -> StockMovement:
    """Write one movement and move the batch total with it. The UPDATE only applies while the result stays
    non-negative; if it does not apply, nothing is written."""
    changed = Batch.objects.filter(pk=batch.pk, on_hand__gte=-quantity if quantity < 0 else 0).update(
        on_hand=F("on_hand") + quantity
    )
    if not changed:
        raise PharmacyError(
            _("Only %(left)s unit(s) are left in batch %(batch)s.")
            % {"left": Batch.objects.get(pk=batch.pk).on_hand, "batch": batch.batch_number}
        )
    return StockMovement.objects.create(
        hospital_id=batch.hospital_id, product_id=batch.product_id, batch=batch, kind=kind, quantity=quantity,
        reason=reason[:300], actor=actor, **links,
    )  # fmt: skip


def _require_pharmacist_of(actor: User, hospital: Hospital) -> None:
    if selectors.pharmacist_hospital_of(actor).pk != hospital.pk:
        raise PharmacyError(_("You work at another hospital's dispensary."))


# --- low stock -----------------------------------------------------------------------------------------


def pharmacists_of(hospital: Hospital):
    return User.objects.filter(
        memberships__hospital=hospital, memberships__is_active=True,
        memberships__role=HospitalMembership.Role.PHARMACIST, is_active=True,
    ).distinct()  # fmt: skip


def low_stock_check(*, hospital: Hospital, product: Product) -> bool:
    """Tell the hospital's pharmacists once when usable stock falls below the reorder level; re-arm when it is
    back at or above it. The flag flips with a conditional UPDATE, so two dispenses never send two alerts."""
    level = StockLevel.objects.filter(hospital=hospital, product=product).first()
    if level is None or level.reorder_level <= 0:
        return False
    usable = selectors.non_expired_on_hand(hospital, product)
    if usable >= level.reorder_level:
        StockLevel.objects.filter(pk=level.pk, low_stock_alerted=True).update(low_stock_alerted=False)
        return False
    if not StockLevel.objects.filter(pk=level.pk, low_stock_alerted=False).update(low_stock_alerted=True):
        return False
    for pharmacist in pharmacists_of(hospital):
        notify(
            recipient=pharmacist,
            kind=Notification.Kind.PHARMACY_STOCK,
            title=_("Low stock: %(product)s") % {"product": product.label},
            body=_("%(units)s usable unit(s) left; the reorder level is %(level)s.")
            % {"units": usable, "level": level.reorder_level},
            url=reverse("pharmacy:low_stock"),
        )
    return True


@transaction.atomic
def reorder_level_set(*, actor: User, hospital: Hospital, product: Product, reorder_level: int) -> StockLevel:
    if selectors.admin_hospital_of(actor).pk != hospital.pk:
        raise PharmacyError(_("Only this hospital's admin can set its reorder levels."))
    if not isinstance(reorder_level, int) or not 0 <= reorder_level <= MAX_UNITS:
        raise PharmacyError(_("The reorder level must be a whole number from 0 to %(max)s.") % {"max": MAX_UNITS})
    level, _created = StockLevel.objects.select_for_update().get_or_create(hospital=hospital, product=product)
    level.reorder_level = reorder_level
    level.save(update_fields=["reorder_level", "updated_at"])
    low_stock_check(hospital=hospital, product=product)
    level.refresh_from_db()
    return level


# --- receive, adjust, write off -------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    actor: User,
    hospital: Hospital,
    product: Product,
    batch_number: str,
    expires_on: datetime.date,
    quantity: int,
    cost_price: Decimal,
    sale_price: Decimal,
) -> StockMovement:
    """Goods received: a new batch, or more of a batch already on the shelf (same number, expiry and prices)."""
    _require_pharmacist_of(actor, hospital)
    _check_units(quantity, what=_("The quantity received"))
    batch_number = batch_number.strip()
    if not batch_number:
        raise PharmacyError(_("Enter the batch number printed on the pack."))
    if cost_price < 0 or sale_price < 0:
        raise PharmacyError(_("Prices cannot be negative."))
    if expires_on <= selectors.local_today(hospital):
        raise PharmacyError(_("This batch has already expired (%(date)s): do not receive it.") % {"date": expires_on})
    batch = (
        Batch.objects.select_for_update().filter(hospital=hospital, product=product, batch_number=batch_number).first()
    )
    if batch is None:
        try:
            with transaction.atomic():
                batch = Batch.objects.create(
                    hospital=hospital, product=product, batch_number=batch_number, expires_on=expires_on,
                    cost_price=cost_price, sale_price=sale_price, currency=hospital_currency(hospital),
                )  # fmt: skip
        except IntegrityError:  # received at the same moment in another tab
            batch = Batch.objects.select_for_update().get(hospital=hospital, product=product, batch_number=batch_number)
    if (batch.expires_on, batch.cost_price, batch.sale_price) != (expires_on, cost_price, sale_price):
        raise PharmacyError(
            _(
                "Batch %(batch)s is already in stock with expiry %(expiry)s, cost %(cost)s and price %(price)s. "
                "Check the delivery note: the same batch cannot have different details."
            )
            % {"batch": batch_number, "expiry": batch.expires_on, "cost": batch.cost_price, "price": batch.sale_price}
        )
    movement = _move(actor=actor, batch=batch, kind=Kind.RECEIVE, quantity=quantity, reason=_("Goods received"))
    low_stock_check(hospital=hospital, product=product)
    return movement


@transaction.atomic
def stock_adjust(*, actor: User, batch: Batch, quantity: int, reason: str) -> StockMovement:
    """A stock count correction (+ found, - missing or damaged), always with a reason."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("hospital", "product").get(pk=batch.pk)
    _require_pharmacist_of(actor, batch.hospital)
    if not isinstance(quantity, int) or quantity == 0 or abs(quantity) > MAX_UNITS:
        raise PharmacyError(_("Enter how many units to add (e.g. 5) or remove (e.g. -3); not 0."))
    if not reason.strip():
        raise PharmacyError(_("Say why the stock is adjusted."))
    if batch.on_hand + quantity < 0:
        raise PharmacyError(
            _("Batch %(batch)s holds %(left)s unit(s): it cannot lose %(units)s.")
            % {"batch": batch.batch_number, "left": batch.on_hand, "units": -quantity}
        )
    movement = _move(actor=actor, batch=batch, kind=Kind.ADJUST, quantity=quantity, reason=reason.strip())
    low_stock_check(hospital=batch.hospital, product=batch.product)
    return movement


@transaction.atomic
def stock_write_off(*, actor: User, batch: Batch, quantity: int, reason: str) -> StockMovement:
    """Units that leave without a patient: expired, damaged, recalled. The only way out of an expired batch."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("hospital", "product").get(pk=batch.pk)
    _require_pharmacist_of(actor, batch.hospital)
    _check_units(quantity, what=_("The quantity written off"))
    if not reason.strip():
        raise PharmacyError(_("Say why the units are written off (expired, damaged, recalled …)."))
    if quantity > batch.on_hand:
        raise PharmacyError(
            _("Batch %(batch)s holds %(left)s unit(s).") % {"batch": batch.batch_number, "left": batch.on_hand}
        )
    movement = _move(actor=actor, batch=batch, kind=Kind.WRITE_OFF, quantity=-quantity, reason=reason.strip())
    low_stock_check(hospital=batch.hospital, product=batch.product)
    return movement


# --- dispensing ----------------------------------------------------------------------------------------


@transaction.atomic
def item_map(*, actor: User, item: PrescriptionItem, product: Product) -> ItemMapping:
    """Link a typed-in prescription line to the catalogue product the pharmacist will hand out."""
    prescription = (
        Prescription.objects.select_for_update(of=("self",)).select_related("hospital").get(pk=item.prescription_id)
    )
    _require_pharmacist_of(actor, prescription.hospital)
    item = PrescriptionItem.objects.get(pk=item.pk)
    if item.product_id:
        raise PharmacyError(_("This line was prescribed from the catalogue; it needs no mapping."))
    if not product.is_active:
        raise PharmacyError(_("That product is no longer in the catalogue."))
    if item.movements.exists():
        raise PharmacyError(_("Units of this line were already dispensed: its product cannot change."))
    mapping, _created = ItemMapping.objects.update_or_create(
        item=item, defaults={"product": product, "mapped_by": actor}
    )
    return mapping


FEFO_CHUNK = 25


def fefo_batches_locked(*, hospital: Hospital, product: Product, today: datetime.date, quantity: int) -> list[Batch]:
    """Row-lock just enough of the earliest-expiring usable batches to cover `quantity`, in one fixed order
    (expiry, id), so concurrent dispenses of a product queue on the same rows and never deadlock. Reads in
    small chunks along the FEFO index: fast with thousands of batches on the shelf."""
    picked: list[Batch] = []
    covered = 0
    while covered < quantity:
        candidates = Batch.objects.select_for_update().filter(
            hospital=hospital, product=product, expires_on__gt=today, on_hand__gt=0
        )
        if picked:
            last = picked[-1]
            candidates = candidates.filter(
                Q(expires_on__gt=last.expires_on) | Q(expires_on=last.expires_on, pk__gt=last.pk)
            )
        chunk = list(candidates.order_by("expires_on", "id")[:FEFO_CHUNK])
        if not chunk:
            break
        for batch in chunk:
            picked.append(batch)
            covered += batch.on_hand
            if covered >= quantity:
                break
    return picked


def _why_batch_refused(batch_id: int, *, hospital: Hospital, product: Product, today: datetime.date) -> str:
    batch = Batch.objects.filter(pk=batch_id, hospital=hospital).first()
    if batch is None:
        return _("That batch is not in this dispensary's stock.")
    if batch.product_id != product.pk:
        return _("Batch %(batch)s is %(other)s, not %(product)s.") % {
            "batch": batch.batch_number, "other": batch.product.label, "product": product.label,
        }  # fmt: skip
    return selectors.batch_not_offered_reason(batch, today) or _("Batch %(batch)s cannot be used.") % {
        "batch": batch.batch_number
    }


@transaction.atomic
def prescription_dispense(
    *,
    actor: User,
    prescription: Prescription,
    quantities: dict[int, int],
    batch_choices: dict[int, int] | None = None,
    token: uuid.UUID | None = None,
) -> Dispense:
    """Hand out units of the current issued version of a prescription: per line up to what is still due, from
    the earliest-expiring unexpired batches (or the batch the pharmacist picked). All or nothing."""
    batch_choices = batch_choices or {}
    try:
        with transaction.atomic():
            dispense = Dispense.objects.create(
                prescription_id=prescription.pk, hospital_id=prescription.hospital_id, pharmacist=actor,
                token=token or uuid.uuid4(),
            )  # fmt: skip
    except IntegrityError as error:
        raise AlreadyDispensedError(_("This dispense was already recorded; nothing was dispensed twice.")) from error
    prescription = (
        Prescription.objects.select_for_update(of=("self",))
        .select_related("hospital", "patient__user", "superseded_by")
        .get(pk=prescription.pk)
    )
    hospital = prescription.hospital
    _require_pharmacist_of(actor, hospital)
    if prescription.status == Prescription.Status.SUPERSEDED:
        newer = getattr(prescription, "superseded_by", None)
        raise PharmacyError(
            _("Prescription %(number)s was superseded by a corrected version%(newer)s: dispense from that one.")
            % {"number": prescription.number, "newer": f" ({newer.number})" if newer else ""}
        )
    if prescription.status != Prescription.Status.ISSUED:
        raise PharmacyError(_("Only an issued prescription can be dispensed."))

    progress = {row.item.pk: row for row in selectors.prescription_progress(prescription)}
    wanted = {item_id: qty for item_id, qty in quantities.items() if qty}
    if not wanted:
        raise PharmacyError(_("Enter how many units to dispense for at least one medicine."))
    today = selectors.local_today(hospital)
    touched: set[int] = set()
    for item_id, quantity in sorted(wanted.items()):
        row = progress.get(item_id)
        if row is None:
            raise PharmacyError(_("That medicine is not on this prescription."))
        name = row.item.medicine_name
        _check_units(quantity, what=_("The quantity for %(name)s") % {"name": name})
        if row.product is None:
            raise PharmacyError(
                _("%(name)s is not dispensable until it is mapped to a catalogue product.") % {"name": name}
            )
        if quantity > row.remaining:
            raise PharmacyError(
                _("%(name)s: %(remaining)s unit(s) are still due (%(given)s of %(asked)s given); %(qty)s is too many.")
                % {
                    "name": name,
                    "remaining": row.remaining,
                    "given": row.dispensed,
                    "asked": row.requested,
                    "qty": quantity,
                }
            )
        chosen = batch_choices.get(item_id)
        if chosen:
            batches = list(
                Batch.objects.select_for_update().filter(
                    pk=chosen, hospital=hospital, product=row.product, expires_on__gt=today, on_hand__gt=0
                )
            )
            if not batches:
                raise PharmacyError(
                    f"{name}: {_why_batch_refused(chosen, hospital=hospital, product=row.product, today=today)}"
                )
        else:
            batches = fefo_batches_locked(hospital=hospital, product=row.product, today=today, quantity=quantity)
        plan, short = selectors.fefo_plan(batches, quantity, today)
        if short:
            raise PharmacyError(
                _("Not enough usable stock of %(name)s: %(available)s unit(s) available, %(qty)s asked.")
                % {"name": name, "available": quantity - short, "qty": quantity}
            )
        by_id = {b.pk: b for b in batches}
        for batch_id, take in plan:
            _move(
                actor=actor, batch=by_id[batch_id], kind=Kind.DISPENSE, quantity=-take,
                prescription_item=row.item, dispense=dispense,
                reason=_("Prescription %(number)s") % {"number": prescription.number},
            )  # fmt: skip
        row.dispensed += quantity
        touched.add(row.product.pk)
    for product in {row.product for row in progress.values() if row.product and row.product.pk in touched}:
        low_stock_check(hospital=hospital, product=product)
    _bill_dispense(actor=actor, dispense=dispense)
    complete = all(row.status == selectors.ItemStatus.COMPLETE for row in progress.values())
    notify(
        recipient=prescription.patient.user,
        kind=Notification.Kind.PRESCRIPTION_DISPENSED,
        title=(
            _("Your medicines for prescription %(number)s were dispensed")
            if complete
            else _("Part of your medicines for prescription %(number)s were dispensed")
        )
        % {"number": prescription.number},
        body=_("%(hospital)s pharmacy") % {"hospital": hospital.name},
        url=reverse("prescriptions:detail", args=[prescription.pk]),
    )
    return dispense


@transaction.atomic
def dispense_return(*, actor: User, movement: StockMovement, quantity: int, reason: str) -> StockMovement:
    """The patient brings units back: they go back into the batch they came from (an expired batch can then
    only be written off) and, with billing, a credit line goes on the invoice."""
    movement = StockMovement.objects.select_related("batch", "prescription_item__prescription").get(pk=movement.pk)
    if movement.kind != Kind.DISPENSE:
        raise PharmacyError(_("Only dispensed units can be returned."))
    Prescription.objects.select_for_update().get(pk=movement.prescription_item.prescription_id)
    batch = (
        Batch.objects.select_for_update(of=("self",)).select_related("hospital", "product").get(pk=movement.batch_id)
    )
    _require_pharmacist_of(actor, batch.hospital)
    _check_units(quantity, what=_("The quantity returned"))
    if not reason.strip():
        raise PharmacyError(_("Say why the units are returned."))
    already = sum(movement.returns.values_list("quantity", flat=True))
    returnable = -movement.quantity - already
    if quantity > returnable:
        raise PharmacyError(_("Only %(left)s unit(s) of this dispense can still be returned.") % {"left": returnable})
    back = _move(
        actor=actor, batch=batch, kind=Kind.RETURN, quantity=quantity, reason=reason.strip(),
        prescription_item=movement.prescription_item, dispense=movement.dispense, returned_from=movement,
    )  # fmt: skip
    low_stock_check(hospital=batch.hospital, product=batch.product)
    _bill_return(actor=actor, movement=back)
    return back


# --- billing (issue 13) -----------------------------------------------------------------------------------


def _bill_dispense(*, actor: User, dispense: Dispense) -> None:
    """Inside the dispense's transaction: one medicine line per batch taken (units x the batch's sale price, tax
    by the product's HSN code) on the visit's open invoice. A billing refusal rolls the whole dispense back."""
    from billing.models import InvoiceLine
    from billing.services import invoice_add_line, invoice_for_appointment

    appointment = dispense.prescription.visit.appointment
    invoice = invoice_for_appointment(appointment=appointment, actor=actor)
    for movement in dispense.movements.select_related("batch", "product").order_by("id"):
        product = movement.product
        invoice_add_line(
            actor=actor, invoice=invoice, kind=InvoiceLine.Kind.MEDICINE,
            description=_("%(product)s (HSN %(code)s), batch %(batch)s")
            % {"product": product.label, "code": product.hsn_code or "-", "batch": movement.batch.batch_number},
            quantity=Decimal(movement.units), unit_price=movement.batch.sale_price, tax_rate=product.tax_rate,
            source=f"dispense:{movement.pk}",
        )  # fmt: skip


def _bill_return(*, actor: User, movement: StockMovement) -> None:
    """A credit for the returned units at the price they were billed at: a credit line while the invoice is a
    draft, a credit note once it is issued (billing decides)."""
    from billing.models import InvoiceLine
    from billing.services import invoice_credit

    billed = (
        InvoiceLine.objects.filter(source=f"dispense:{movement.returned_from_id}").select_related("invoice").first()
    )
    if billed is None:
        return  # dispensed before billing existed: nothing to credit
    from billing.models import Invoice

    # On an issued invoice billing answers with a credit note, which is a cashier's act when a person asks for
    # it; here it follows from a return the pharmacist may record, so it is issued as a system action.
    on_draft = billed.invoice.status == Invoice.Status.DRAFT
    invoice_credit(
        actor=actor if on_draft else None, invoice=billed.invoice,
        description=_("Return: %(product)s, batch %(batch)s")
        % {"product": movement.product.label, "batch": movement.batch.batch_number},
        quantity=Decimal(movement.units), unit_price=billed.unit_price, tax_rate=billed.tax_rate,
        source=f"return:{movement.pk}", reason=movement.reason,
    )  # fmt: skip


# --- near-expiry digest -------------------------------------------------------------------------------


def near_expiry_digest_send(*, now: datetime.datetime | None = None) -> int:
    """Once a day per hospital (its own date): tell its pharmacists which batches expire within the window.
    Idempotent: a second run the same day sends nothing."""
    sent = 0
    for hospital in Hospital.objects.filter(status=Hospital.Status.APPROVED):
        today = selectors.local_today(hospital, now)
        batches = list(selectors.near_expiry_batches(hospital, today)[:50])
        if not batches:
            continue
        pharmacists = list(pharmacists_of(hospital))
        if not pharmacists:
            continue
        try:
            with transaction.atomic():
                NearExpiryDigest.objects.create(hospital=hospital, day=today, batch_count=len(batches))
                lines = [
                    f"{batch.product.label} · {batch.batch_number} · {batch.expires_on.isoformat()} · {batch.on_hand}"
                    for batch in batches
                ]
                for pharmacist in pharmacists:
                    notify(
                        recipient=pharmacist,
                        kind=Notification.Kind.PHARMACY_STOCK,
                        title=_("%(count)s batch(es) expire within %(days)s days")
                        % {"count": len(batches), "days": selectors.near_expiry_days()},
                        body="\n".join(lines),
                        url=reverse("pharmacy:near_expiry"),
                    )
        except IntegrityError:
            continue  # already sent today
        sent += 1
    return sent
