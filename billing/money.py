"""Money rules in one place: Decimal only, two places, ROUND_HALF_UP per line; formatting with the currency.

Rounding (documented in README, "Billing"): each line is rounded on its own, half away from zero, to the cent:
    net  = round_half_up(quantity * unit_price)
    tax  = 0 if the line is tax-exempt else round_half_up(net * rate / 100)
    line total = net + tax
The invoice never rounds again: subtotal = Σ net, tax = Σ tax, total = Σ line totals (a hypothesis property test
holds us to it). Rounding per line, not on the sum, is what a printed invoice can be checked against by hand.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")  # fits DecimalField(max_digits=12, decimal_places=2)

SYMBOLS = {"INR": "₹", "EUR": "€", "USD": "$", "GBP": "£"}


def round_half_up(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(*, quantity: Decimal, unit_price: Decimal, tax_rate: Decimal, tax_exempt: bool):
    """(net, tax, total) of one invoice line, each rounded half-up to the cent."""
    net = round_half_up(Decimal(quantity) * Decimal(unit_price))
    tax = ZERO if tax_exempt else round_half_up(net * Decimal(tax_rate) / Decimal(100))
    return net, tax, net + tax


class AmountError(ValueError):
    pass


def parse_amount(value, *, allow_zero: bool = False) -> Decimal:
    """A user-typed amount as Decimal: a number, at most 2 decimals, positive (or zero), not absurdly large."""
    if isinstance(value, float):
        raise AmountError(_("Amounts are never floats."))
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AmountError(_("Enter an amount like 250 or 250.50.")) from None
    if not amount.is_finite():
        raise AmountError(_("Enter an amount like 250 or 250.50."))
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        raise AmountError(_("Amounts have at most two decimal places."))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise AmountError(_("The amount must be more than zero."))
    if amount > MAX_AMOUNT:
        raise AmountError(_("That amount is too large."))
    return amount.quantize(CENT)


def format_money(amount, currency: str) -> str:
    """₹1,250.00 / €80.50 / AED 40.00. Negative amounts keep their sign in front: -₹10.00."""
    if amount is None or amount == "":
        return ""
    value = Decimal(amount).quantize(CENT)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{currency} {digits}"
