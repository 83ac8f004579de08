"""Dispensary pages. Thin: fetch through a scoped selector, validate, call one service, respond."""

import csv
import datetime
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.roles import role_required
from hms.errors import DomainError
from hms.inputs import parse_id
from patients.models import AccessLogEntry
from patients.services import log_clinical_read
from pharmacy import selectors, services
from pharmacy.forms import (
    AdjustForm,
    AsOfForm,
    DateRangeForm,
    MapItemForm,
    ReceiveForm,
    ReorderLevelForm,
    ReturnForm,
    WriteOffForm,
)
from pharmacy.models import Product, StockMovement

STAFF = User.Role.STAFF
ADMIN = User.Role.HOSPITAL_ADMIN
PAGE_SIZE = 25


def _page(request, queryset, size: int = PAGE_SIZE):
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _form_errors_message(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# --- dispensing ---------------------------------------------------------------------------------------


@role_required(STAFF)
def queue(request):
    """The pharmacist's dashboard: issued prescriptions of this hospital, newest first."""
    hospital = selectors.pharmacist_hospital_of(request.user)
    query = request.GET.get("q", "")[:100]
    page, query_string = _page(request, selectors.dispensing_queue(hospital, query))
    context = {
        "hospital": hospital,
        "page": page,
        "query_string": query_string,
        "q": query,
        "low_stock_count": selectors.low_stock_products(hospital).count(),
        "near_expiry_count": selectors.near_expiry_batches(hospital).count(),
    }
    return render(request, "pharmacy/queue.html", context)


def _dispense_context(request, prescription, hospital) -> dict:
    progress = selectors.progress_with_batches(prescription, hospital)
    rows = list(
        StockMovement.objects.filter(
            prescription_item__prescription=prescription,
            kind__in=[StockMovement.Kind.DISPENSE, StockMovement.Kind.RETURN],
        )
        .select_related("batch", "product")
        .order_by("created_at", "id")
    )
    dispensed_rows = [row for row in rows if row.kind == StockMovement.Kind.DISPENSE]
    returned: dict[int, int] = {}
    for row in rows:
        if row.kind == StockMovement.Kind.RETURN:
            returned[row.returned_from_id] = returned.get(row.returned_from_id, 0) + row.quantity
    for row in dispensed_rows:
        row.returnable = -row.quantity - returned.get(row.pk, 0)
    return {
        "prescription": prescription,
        "patient": prescription.patient,
        "hospital": hospital,
        "progress": progress,
        "dispensable": prescription.status == prescription.Status.ISSUED
        and any(r.product and r.remaining for r in progress),
        "token": uuid.uuid4(),
        "today": selectors.local_today(hospital),
        "near_days": selectors.near_expiry_days(),
        "map_form": MapItemForm(),
        "dispensed_rows": dispensed_rows,
        "dispenses": prescription.dispenses.select_related("pharmacist").order_by("-created_at"),
    }


@role_required(STAFF)
def dispense(request, pk: int):
    hospital = selectors.pharmacist_hospital_of(request.user)
    prescription = get_object_or_404(selectors.prescriptions_for_dispensing(request.user), pk=pk)
    if request.method == "POST":
        token = _parse_uuid(request.POST.get("token", ""))
        quantities: dict[int, int] = {}
        choices: dict[int, int] = {}
        bad: list[str] = []
        for key, value in request.POST.items():
            if key.startswith("qty-"):
                item_id = parse_id(key[4:])
                text = value.strip()
                if item_id is None:
                    continue
                if text == "":
                    continue
                try:
                    quantities[item_id] = int(text)
                except ValueError:
                    bad.append(text)
            elif key.startswith("batch-") and value.strip():
                item_id, batch_id = parse_id(key[6:]), parse_id(value)
                if item_id is None or batch_id is None:
                    bad.append(value)
                elif item_id:
                    choices[item_id] = batch_id
        try:
            if bad or token is None:
                raise services.PharmacyError(_("Enter whole numbers of units (e.g. 10)."))
            if any(q <= 0 for q in quantities.values()):
                raise services.PharmacyError(
                    _("Quantities must be whole numbers of 1 or more (leave a line empty to skip it).")
                )
            result = services.prescription_dispense(
                actor=request.user, prescription=prescription, quantities=quantities, batch_choices=choices, token=token
            )
        except services.AlreadyDispensedError as error:
            messages.info(request, str(error))
            return redirect("pharmacy:dispense", pk=prescription.pk)
        except DomainError as error:
            messages.error(request, str(error))
            context = _dispense_context(request, prescription, hospital)
            return render(request, "pharmacy/dispense.html", context, status=400)
        messages.success(request, _("Dispensed. The patient has been notified."))
        return redirect("pharmacy:slip", pk=result.pk)
    log_clinical_read(
        request, patient=prescription.patient, kind=AccessLogEntry.Kind.PRESCRIPTION, object_id=prescription.pk,
        hospital_id=prescription.hospital_id,
    )  # fmt: skip
    return render(request, "pharmacy/dispense.html", _dispense_context(request, prescription, hospital))


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip()[:64])
    except ValueError:
        return None


@require_POST
@role_required(STAFF)
def map_item(request, pk: int, item_pk: int):
    prescription = get_object_or_404(selectors.prescriptions_for_dispensing(request.user), pk=pk)
    item = get_object_or_404(prescription.items.all(), pk=item_pk)
    form = MapItemForm(request.POST)
    if not form.is_valid():
        _form_errors_message(request, form)
    else:
        try:
            services.item_map(actor=request.user, item=item, product=form.cleaned_data["product"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("%(name)s is mapped to %(product)s.") % {
                    "name": item.medicine_name, "product": form.cleaned_data["product"].label}
            )  # fmt: skip
    return redirect("pharmacy:dispense", pk=prescription.pk)


@require_POST
@role_required(STAFF)
def return_units(request, pk: int):
    prescription = get_object_or_404(selectors.prescriptions_for_dispensing(request.user), pk=pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        _form_errors_message(request, form)
        return redirect("pharmacy:dispense", pk=prescription.pk)
    movement = get_object_or_404(
        selectors.movements_visible_to(request.user).filter(prescription_item__prescription=prescription),
        pk=form.cleaned_data["movement"],
    )
    try:
        services.dispense_return(
            actor=request.user, movement=movement, quantity=form.cleaned_data["quantity"],
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Return recorded: the units are back in batch %(batch)s.") % {
            "batch": movement.batch.batch_number})  # fmt: skip
    return redirect("pharmacy:dispense", pk=prescription.pk)


@role_required(STAFF, ADMIN)
def slip(request, pk: int):
    """A printable dispensing label/slip for one dispense."""
    record = get_object_or_404(selectors.dispenses_visible_to(request.user), pk=pk)
    prescription = record.prescription
    lines = record.movements.select_related("batch", "product", "prescription_item").order_by("id")
    log_clinical_read(
        request, patient=prescription.patient, kind=AccessLogEntry.Kind.PRESCRIPTION, object_id=prescription.pk,
        hospital_id=prescription.hospital_id,
    )  # fmt: skip
    context = {"dispense": record, "prescription": prescription, "lines": lines, "hospital": prescription.hospital}
    return render(request, "pharmacy/slip.html", context)


# --- stock ---------------------------------------------------------------------------------------------


@role_required(STAFF, ADMIN)
def stock(request):
    hospital = selectors.stock_hospital_of(request.user)
    query = request.GET.get("q", "")[:100]
    page, query_string = _page(request, selectors.stock_by_product(hospital, query))
    context = {"hospital": hospital, "page": page, "query_string": query_string, "q": query}
    return render(request, "pharmacy/stock.html", context)


@role_required(STAFF, ADMIN)
def product_stock(request, pk: int):
    hospital = selectors.stock_hospital_of(request.user)
    product = get_object_or_404(Product, pk=pk)
    today = selectors.local_today(hospital)
    batches = list(selectors.batches_visible_to(request.user).filter(hospital=hospital, product=product))
    for batch in batches:
        batch.reason = selectors.batch_not_offered_reason(batch, today)
        batch.near_expiry = selectors.batch_is_near_expiry(batch, today)
    context = {"hospital": hospital, "product": product, "batches": batches, "today": today}
    return render(request, "pharmacy/product_stock.html", context)


@role_required(STAFF, ADMIN)
def batch_detail(request, pk: int):
    batch = get_object_or_404(selectors.batches_visible_to(request.user), pk=pk)
    today = selectors.local_today(batch.hospital)
    context = {
        "batch": batch,
        "today": today,
        "reason": selectors.batch_not_offered_reason(batch, today),
        "near_expiry": selectors.batch_is_near_expiry(batch, today),
        "movements": batch.movements.select_related("actor").order_by("-created_at", "-id")[:100],
        "adjust_form": AdjustForm(),
        "write_off_form": WriteOffForm(initial={"quantity": batch.on_hand or None}),
        "is_pharmacist": selectors.is_pharmacist(request.user),
    }
    return render(request, "pharmacy/batch.html", context)


def _batch_change(request, pk: int, form_class, action):
    batch = get_object_or_404(selectors.batches_visible_to(request.user), pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors_message(request, form)
        return redirect("pharmacy:batch", pk=batch.pk)
    try:
        action(actor=request.user, batch=batch, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Stock of batch %(batch)s updated.") % {"batch": batch.batch_number})
    return redirect("pharmacy:batch", pk=batch.pk)


@require_POST
@role_required(STAFF)
def adjust(request, pk: int):
    return _batch_change(request, pk, AdjustForm, services.stock_adjust)


@require_POST
@role_required(STAFF)
def write_off(request, pk: int):
    return _batch_change(request, pk, WriteOffForm, services.stock_write_off)


@role_required(STAFF)
def receive(request):
    hospital = selectors.pharmacist_hospital_of(request.user)
    form = ReceiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            movement = services.stock_receive(actor=request.user, hospital=hospital, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Received %(units)s unit(s) of %(product)s, batch %(batch)s.") % {
                    "units": movement.quantity, "product": movement.product.label,
                    "batch": movement.batch.batch_number}
            )  # fmt: skip
            return redirect("pharmacy:batch", pk=movement.batch_id)
    status = 400 if form.errors else 200
    return render(request, "pharmacy/receive.html", {"hospital": hospital, "form": form}, status=status)


@role_required(STAFF, ADMIN)
def movements(request):
    hospital = selectors.stock_hospital_of(request.user)
    kind = request.GET.get("kind", "")
    rows = selectors.movements_visible_to(request.user).filter(hospital=hospital).order_by("-created_at", "-id")
    if kind in StockMovement.Kind.values:
        rows = rows.filter(kind=kind)
    page, query_string = _page(request, rows, 50)
    context = {
        "hospital": hospital, "page": page, "query_string": query_string, "kind": kind,
        "kinds": StockMovement.Kind.choices,
    }  # fmt: skip
    return render(request, "pharmacy/movements.html", context)


@role_required(STAFF, ADMIN)
def near_expiry(request):
    hospital = selectors.stock_hospital_of(request.user)
    context = {
        "hospital": hospital,
        "batches": selectors.near_expiry_batches(hospital)[:200],
        "expired": selectors.expired_batches(hospital)[:200],
        "days": selectors.near_expiry_days(),
        "today": selectors.local_today(hospital),
    }
    return render(request, "pharmacy/near_expiry.html", context)


@role_required(STAFF, ADMIN)
def low_stock(request):
    hospital = selectors.stock_hospital_of(request.user)
    context = {"hospital": hospital, "products": selectors.low_stock_products(hospital)[:200]}
    return render(request, "pharmacy/low_stock.html", context)


# --- hospital admin --------------------------------------------------------------------------------------


@role_required(ADMIN)
def reorder_levels(request):
    hospital = selectors.admin_hospital_of(request.user)
    form = ReorderLevelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reorder_level_set(actor=request.user, hospital=hospital, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Reorder level of %(product)s set to %(level)s.") % {
                    "product": form.cleaned_data["product"].label, "level": form.cleaned_data["reorder_level"]}
            )  # fmt: skip
            return redirect("pharmacy:reorder_levels")
    query = request.GET.get("q", "")[:100]
    page, query_string = _page(request, selectors.stock_by_product(hospital, query))
    context = {"hospital": hospital, "form": form, "page": page, "query_string": query_string, "q": query}
    return render(request, "pharmacy/reorder_levels.html", context, status=400 if form.errors else 200)


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return response


@role_required(ADMIN)
def valuation_report(request):
    hospital = selectors.admin_hospital_of(request.user)
    today = selectors.local_today(hospital)
    form = AsOfForm(request.GET or {"as_of": today.isoformat()})
    rows, totals = [], {}
    if form.is_valid():
        rows = selectors.stock_valuation(hospital, form.cleaned_data["as_of"])
        totals = selectors.valuation_totals(rows)
        if request.GET.get("format") == "csv":
            return _csv_response(
                f"stock-valuation-{form.cleaned_data['as_of']}.csv",
                ["product", "batch", "expiry", "units", "currency", "cost value", "sale value"],
                ([r["product"], r["batch_number"], r["expires_on"], r["units"], r["currency"], r["cost_value"],
                  r["sale_value"]] for r in rows),
            )  # fmt: skip
    context = {"hospital": hospital, "form": form, "rows": rows, "totals": totals}
    return render(request, "pharmacy/valuation.html", context, status=400 if form.errors else 200)


@role_required(ADMIN)
def movement_report(request):
    hospital = selectors.admin_hospital_of(request.user)
    today = selectors.local_today(hospital)
    form = DateRangeForm(request.GET or {"start": (today - datetime.timedelta(days=30)).isoformat(), "end": today})
    summary = []
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        if request.GET.get("format") == "csv":
            rows = selectors.movements_between(hospital, start, end)
            return _csv_response(
                f"stock-movements-{start}-{end}.csv",
                ["time", "product", "batch", "kind", "units", "reason", "by"],
                ([timezone.localtime(m.created_at, hospital.tz).isoformat(), m.product.label, m.batch.batch_number,
                  m.kind, m.quantity, m.reason, m.actor.full_name] for m in rows.iterator()),
            )  # fmt: skip
        labels = dict(StockMovement.Kind.choices)
        summary = [
            {
                "product": " ".join(
                    p for p in (r["product__generic_name"], r["product__strength"], r["product__form"].lower()) if p
                ),
                "kind": labels.get(r["kind"], r["kind"]),
                "units": r["units"],
            }
            for r in selectors.movement_summary(hospital, start, end)
        ]
    context = {
        "hospital": hospital, "form": form, "summary": summary,
        "csv_url": f"{reverse('pharmacy:movement_report')}?{request.GET.urlencode()}&format=csv"
        if request.GET else "",
    }  # fmt: skip
    return render(request, "pharmacy/movement_report.html", context, status=400 if form.errors else 200)
