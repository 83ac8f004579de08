"""Django admin for billing obeys the same scoping as the pages: superusers see everything; a staff user with
admin access sees only their billing hospital's rows. Money rows are read-only here (issued invoices never change,
and the ledger is append-only in the database too); changes go through the services."""

from django.contrib import admin

from billing.models import (
    CashShift,
    CreditNote,
    InsurancePayer,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    PatientInsurance,
    Payment,
    PaymentAttempt,
    PriceListItem,
    Refund,
    WebhookEvent,
)
from billing.selectors import billing_hospital_ids


class ScopedAdmin(admin.ModelAdmin):
    hospital_field = "hospital"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.hospital_field}__in": billing_hospital_ids(request.user)})


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["kind", "description", "quantity", "unit_price", "tax_rate", "tax_exempt", "total_amount", "source"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "hospital", "patient", "status", "total", "amount_paid", "issued_at"]
    list_filter = ["status", "claim_status"]
    search_fields = ["number", "patient__patient_number", "patient__user__full_name"]
    list_select_related = ["hospital", "patient__user"]
    inlines = [InvoiceLineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "amount", "currency", "method", "received_at", "received_by"]
    list_filter = ["method"]
    list_select_related = ["invoice", "received_by"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "amount", "currency", "method", "reason", "refunded_at"]
    list_select_related = ["invoice"]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "invoice", "total", "reason", "issued_at"]
    list_select_related = ["invoice"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "invoice", "kind", "amount", "currency", "actor"]
    list_filter = ["kind"]
    list_select_related = ["invoice", "actor"]


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    hospital_field = "invoice__hospital"
    list_display = ["idempotency_key", "gateway", "amount", "status", "created_at"]


@admin.register(CashShift)
class CashShiftAdmin(ReadOnlyAdmin):
    list_display = ["cashier", "hospital", "opened_at", "closed_at", "expected_cash", "counted_cash", "variance"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["gateway", "type", "event_id", "received_at", "processed_at", "attempts"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if request.user.is_superuser else qs.none()


@admin.register(PriceListItem)
class PriceListItemAdmin(ScopedAdmin):
    list_display = ["code", "name", "hospital", "unit_price", "tax_rate", "tax_exempt", "is_active"]


@admin.register(InsurancePayer)
class InsurancePayerAdmin(ScopedAdmin):
    list_display = ["name", "hospital", "is_active"]


@admin.register(PatientInsurance)
class PatientInsuranceAdmin(ScopedAdmin):
    hospital_field = "payer__hospital"
    list_display = ["patient", "payer", "policy_number", "coverage_percent", "copay_amount", "is_active"]
    raw_id_fields = ["patient"]
