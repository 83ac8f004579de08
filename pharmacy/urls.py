from django.urls import path

from pharmacy import views

app_name = "pharmacy"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("prescriptions/<int:pk>/", views.dispense, name="dispense"),
    path("prescriptions/<int:pk>/items/<int:item_pk>/map/", views.map_item, name="map_item"),
    path("prescriptions/<int:pk>/return/", views.return_units, name="return"),
    path("dispenses/<int:pk>/slip/", views.slip, name="slip"),
    path("stock/", views.stock, name="stock"),
    path("stock/receive/", views.receive, name="receive"),
    path("stock/products/<int:pk>/", views.product_stock, name="product_stock"),
    path("stock/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("stock/batches/<int:pk>/adjust/", views.adjust, name="adjust"),
    path("stock/batches/<int:pk>/write-off/", views.write_off, name="write_off"),
    path("stock/movements/", views.movements, name="movements"),
    path("stock/near-expiry/", views.near_expiry, name="near_expiry"),
    path("stock/low/", views.low_stock, name="low_stock"),
    path("reorder-levels/", views.reorder_levels, name="reorder_levels"),
    path("reports/valuation/", views.valuation_report, name="valuation_report"),
    path("reports/movements/", views.movement_report, name="movement_report"),
]
