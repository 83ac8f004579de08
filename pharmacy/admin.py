"""The Django admin obeys the same scoping as the pages: a non-superuser sees only their hospital's stock.
Stock itself changes only through the services (which write the ledger): batches, movements and dispenses are
read-only here, and movements are append-only in the database as well."""

from django.contrib import admin

from pharmacy import selectors
from pharmacy.models import Batch, Dispense, ItemMapping, Product, StockLevel, StockMovement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The catalogue is shared by every hospital: only platform admins change it."""

    list_display = [
        "generic_name",
        "strength",
        "form",
        "route",
        "pack_unit",
        "hsn_code",
        "tax_rate",
        "prescription_only",
        "is_active",
    ]
    list_filter = ["form", "route", "prescription_only", "is_active"]
    search_fields = ["generic_name", "strength", "hsn_code"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = [
        "product",
        "batch_number",
        "hospital",
        "expires_on",
        "on_hand",
        "cost_price",
        "sale_price",
        "currency",
    ]
    list_filter = ["hospital"]
    search_fields = ["batch_number", "product__generic_name"]

    def get_queryset(self, request):
        return selectors.batches_visible_to(request.user)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "product", "batch", "quantity", "reason", "actor", "hospital"]
    list_filter = ["kind", "hospital"]
    search_fields = ["batch__batch_number", "product__generic_name", "reason"]

    def get_queryset(self, request):
        return selectors.movements_visible_to(request.user)


@admin.register(Dispense)
class DispenseAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "prescription", "pharmacist", "hospital"]

    def get_queryset(self, request):
        return selectors.dispenses_visible_to(request.user)


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["product", "hospital", "reorder_level", "low_stock_alerted"]
    list_filter = ["hospital"]

    def get_queryset(self, request):
        qs = StockLevel.objects.select_related("product", "hospital")
        if request.user.is_superuser:
            return qs
        return qs.filter(hospital_id__in=selectors.hospital_ids_of(request.user))


@admin.register(ItemMapping)
class ItemMappingAdmin(ReadOnlyAdmin):
    list_display = ["item", "product", "mapped_by", "mapped_at"]

    def get_queryset(self, request):
        qs = ItemMapping.objects.select_related("item", "product", "mapped_by")
        if request.user.is_superuser:
            return qs
        return qs.filter(item__prescription__hospital_id__in=selectors.hospital_ids_of(request.user))
