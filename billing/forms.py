from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, Payment, PriceListItem
from billing.money import AmountError, parse_amount
from hospitals.models import CURRENCY_CHOICES, Hospital


class AmountField(forms.CharField):
    """A money amount typed by a person: at most 2 decimals, more than zero (clear message otherwise)."""

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        return super().widget_attrs(widget) | {"inputmode": "decimal", "autocomplete": "off"}

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            return parse_amount(value, allow_zero=self.allow_zero)
        except AmountError as error:
            raise forms.ValidationError(str(error)) from None


class Styled:
    """Bootstrap classes on the widgets of forms rendered field by field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = css


class PaymentForm(forms.Form):
    COUNTER_METHODS = [(m, label) for m, label in Payment.Method.choices if m != Payment.Method.ONLINE]

    amount = AmountField(label=_("Amount"))
    method = forms.ChoiceField(label=_("Method"), choices=COUNTER_METHODS, initial=Payment.Method.CASH)
    reference = forms.CharField(label=_("Reference (UPI / terminal slip)"), max_length=100, required=False)


class RefundForm(forms.Form):
    amount = AmountField(label=_("Refund amount"))
    reason = forms.CharField(label=_("Reason for the refund"), max_length=300)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason for voiding"), max_length=300)


class CreditNoteForm(forms.Form):
    description = forms.CharField(label=_("What is credited"), max_length=200)
    amount = AmountField(label=_("Amount (tax included if the line was taxed: enter the net price)"))
    tax_rate = forms.DecimalField(label=_("Tax rate (%)"), min_value=0, max_value=100, decimal_places=2,
                                  initial=Decimal("0"))  # fmt: skip
    tax_exempt = forms.BooleanField(label=_("Tax exempt"), required=False)
    reason = forms.CharField(label=_("Reason for the credit note"), max_length=300)


class ClaimForm(forms.Form):
    status = forms.ChoiceField(label=_("Claim status"), choices=[c for c in Invoice.ClaimStatus.choices if c[0]])
    reference = forms.CharField(label=_("Claim reference"), max_length=64, required=False)


class ShiftOpenForm(forms.Form):
    opening_float = AmountField(label=_("Opening float (cash in the drawer)"), allow_zero=True, initial="0.00")


class ShiftCloseForm(forms.Form):
    counted_cash = AmountField(label=_("Counted cash"), allow_zero=True)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class InvoiceFilterForm(Styled, forms.Form):
    STATUS_CHOICES = [("", _("All")), ("open", _("Open (owing)")), ("draft", _("Draft")), ("issued", _("Unpaid")),
                      ("partially_paid", _("Partly paid")), ("paid", _("Paid")), ("refunded", _("Refunded")),
                      ("void", _("Void"))]  # fmt: skip
    q = forms.CharField(label=_("Search (number, patient, phone)"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PriceListItemForm(Styled, forms.ModelForm):
    class Meta:
        model = PriceListItem
        fields = ["code", "name", "kind", "unit_price", "tax_rate", "tax_exempt", "is_active"]
        labels = {"is_active": _("Active (doctors can pick it)")}

    def clean_unit_price(self):
        value = self.cleaned_data["unit_price"]
        if value is None or value < 0:
            raise forms.ValidationError(_("The price cannot be negative."))
        return value


class HospitalBillingForm(Styled, forms.ModelForm):
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)

    class Meta:
        model = Hospital
        fields = ["currency", "tax_id", "invoice_prefix", "financial_year_start_month"]
        labels = {"tax_id": _("Tax id (e.g. GSTIN, USt-IdNr.)"), "invoice_prefix": _("Invoice prefix"),
                  "financial_year_start_month": _("Financial year starts in month (1-12)")}  # fmt: skip

    def clean_invoice_prefix(self):
        value = self.cleaned_data["invoice_prefix"].strip().upper()
        if value and not value.isalpha():
            raise forms.ValidationError(_("Use letters only."))
        return value

    def clean_financial_year_start_month(self):
        value = self.cleaned_data["financial_year_start_month"]
        if not 1 <= value <= 12:
            raise forms.ValidationError(_("Enter a month from 1 to 12."))
        return value


class ProcedureForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Procedure or service"), queryset=PriceListItem.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100, initial=1)

    def __init__(self, *args, hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = PriceListItem.objects.filter(hospital=hospital, is_active=True)


class PatientPolicyForm(Styled, forms.Form):
    patient_number = forms.CharField(label=_("Patient number"), max_length=20)
    payer = forms.ModelChoiceField(label=_("Payer"), queryset=None)
    policy_number = forms.CharField(label=_("Policy number"), max_length=64)
    coverage_percent = forms.DecimalField(label=_("Coverage (%)"), min_value=0, max_value=100, decimal_places=2,
                                          required=False)  # fmt: skip
    copay_amount = AmountField(label=_("Or: fixed co-pay the patient pays"), required=False)

    def __init__(self, *args, hospital, **kwargs):
        super().__init__(*args, **kwargs)
        from billing.models import InsurancePayer

        self.fields["payer"].queryset = InsurancePayer.objects.filter(hospital=hospital, is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("coverage_percent") is None and data.get("copay_amount") is None:
            raise forms.ValidationError(_("Give a coverage percent or a co-pay."))
        return data


class PayerForm(Styled, forms.Form):
    name = forms.CharField(label=_("New payer (insurer) name"), max_length=200)
