from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pharmacy.models import Product
from pharmacy.services import MAX_UNITS


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return obj.label


def _products():
    return Product.objects.filter(is_active=True).order_by("generic_name", "strength", "form")


class ReceiveForm(forms.Form):
    product = ProductChoiceField(label=_("Medicine"), queryset=_products())
    batch_number = forms.CharField(label=_("Batch number"), max_length=40)
    expires_on = forms.DateField(label=_("Expiry date"), widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.IntegerField(label=_("Quantity (units)"), min_value=1, max_value=MAX_UNITS)
    cost_price = forms.DecimalField(label=_("Cost price per unit"), min_value=0, max_digits=10, decimal_places=2)
    sale_price = forms.DecimalField(label=_("Sale price per unit"), min_value=0, max_digits=10, decimal_places=2)

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        if value.year > timezone.localdate().year + 20:
            raise forms.ValidationError(_("Check the expiry date: it is more than 20 years away."))
        return value


class AdjustForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Change in units"), min_value=-MAX_UNITS, max_value=MAX_UNITS,
        help_text=_("Positive to add (found in a count), negative to remove (missing, damaged)."),
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=300)


class WriteOffForm(forms.Form):
    quantity = forms.IntegerField(label=_("Units to write off"), min_value=1, max_value=MAX_UNITS)
    reason = forms.CharField(label=_("Reason"), max_length=300, initial=_("Expired"))


class ReturnForm(forms.Form):
    movement = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    quantity = forms.IntegerField(label=_("Units returned"), min_value=1, max_value=MAX_UNITS)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class MapItemForm(forms.Form):
    product = ProductChoiceField(label=_("Catalogue product"), queryset=_products())


class ReorderLevelForm(forms.Form):
    product = ProductChoiceField(label=_("Medicine"), queryset=_products())
    reorder_level = forms.IntegerField(label=_("Reorder level (units)"), min_value=0, max_value=MAX_UNITS)


class DateRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days > 366 * 3:
                raise forms.ValidationError(_("Choose a range of at most three years."))
        return cleaned


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("Stock as of the end of"), widget=forms.DateInput(attrs={"type": "date"}))
