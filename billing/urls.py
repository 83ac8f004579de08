from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("bills/", views.patient_bills, name="patient_bills"),
    path("bills/<int:pk>/", views.patient_invoice, name="patient_invoice"),
    path("bills/<int:pk>/pay/", views.patient_pay, name="patient_pay"),
    path("pay/<str:token>/", views.pay_link, name="pay_link"),
    path("checkout/return/<str:token>/", views.checkout_return, name="checkout_return"),
    path("checkout/cancel/<str:token>/", views.checkout_cancel, name="checkout_cancel"),
    path("test-gateway/<str:external_id>/", views.test_gateway, name="test_gateway"),
    path("webhooks/<str:gateway>/", views.webhook, name="webhook"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("credit-notes/<int:pk>/", views.credit_note, name="credit_note"),
    path("desk/", views.desk, name="desk"),
    path("desk/invoices/", views.invoice_list, name="invoice_list"),
    path("desk/invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("desk/invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("desk/invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
    path("desk/invoices/<int:pk>/payments/<int:payment_pk>/refund/", views.payment_refund, name="payment_refund"),
    path("desk/invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("desk/invoices/<int:pk>/credit-note/", views.invoice_credit_note, name="invoice_credit_note"),
    path("desk/invoices/<int:pk>/claim/", views.invoice_claim, name="invoice_claim"),
    path("desk/shifts/open/", views.shift_open, name="shift_open"),
    path("desk/shifts/<int:pk>/close/", views.shift_close, name="shift_close"),
    path("desk/shifts/<int:pk>/", views.shift_report, name="shift_report"),
    path("desk/insurance/", views.payer_outstanding, name="payer_outstanding"),
    path("desk/insurance/policies/", views.insurance, name="insurance"),
    path("manage/", views.admin_billing, name="admin_billing"),
    path("manage/price-list/<int:pk>/", views.price_item_edit, name="price_item_edit"),
    path("visits/<int:appointment_pk>/procedures/", views.visit_procedures, name="visit_procedures"),
]
