"""Rounding half-up per line; invoice totals are exact sums of the rounded lines (property test)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.money import AmountError, format_money, line_amounts, parse_amount, round_half_up
from billing.services import invoice_totals, tax_summary

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=2)
rates = st.sampled_from([Decimal(r) for r in ("0", "5", "12", "18", "28", "7", "19", "12.5")])


class Line:
    def __init__(self, quantity, unit_price, tax_rate, tax_exempt):
        self.tax_rate, self.tax_exempt = tax_rate, tax_exempt
        self.net_amount, self.tax_amount, self.total_amount = line_amounts(
            quantity=quantity, unit_price=unit_price, tax_rate=tax_rate, tax_exempt=tax_exempt
        )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(quantities, money, rates, st.booleans()), min_size=1, max_size=20))
def test_total_is_the_sum_of_line_totals_and_tax_the_sum_of_taxes(specs):
    lines = [Line(*spec) for spec in specs]
    subtotal, tax, total = invoice_totals(lines)
    assert total == sum(line.total_amount for line in lines)
    assert tax == sum(line.tax_amount for line in lines)
    assert subtotal + tax == total
    assert all(line.tax_amount == 0 for line in lines if line.tax_exempt)
    for amount in (subtotal, tax, total):
        assert amount == amount.quantize(Decimal("0.01"))
    summary = tax_summary(lines)
    assert sum(group["tax"] for group in summary) == tax
    assert sum(group["net"] for group in summary) == subtotal


def test_rounding_is_half_up_per_line():
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")
    assert round_half_up(Decimal("0.135")) == Decimal("0.14")  # banker's rounding would give 0.14 / 0.12
    assert round_half_up(Decimal("2.675")) == Decimal("2.68")
    # 3 x 0.335 = 1.005 -> 1.01; tax 18 % of 1.01 = 0.1818 -> 0.18
    assert line_amounts(quantity=Decimal(3), unit_price=Decimal("0.335"), tax_rate=Decimal(18), tax_exempt=False) == (
        Decimal("1.01"), Decimal("0.18"), Decimal("1.19"))  # fmt: skip


@pytest.mark.parametrize("value", ["-1", "0", "1.001", "abc", "", "Infinity", "1e20", 1.5])
def test_parse_amount_refuses_bad_input(value):
    with pytest.raises(AmountError):
        parse_amount(value)


def test_parse_amount_accepts_two_decimals():
    assert parse_amount(" 250.5 ") == Decimal("250.50")
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")


def test_format_money_uses_the_currency_symbol():
    assert format_money(Decimal("1250"), "INR") == "₹1,250.00"
    assert format_money(Decimal("80.5"), "EUR") == "€80.50"
    assert format_money(Decimal("40"), "AED") == "AED 40.00"
    assert format_money(Decimal("-10"), "USD") == "-$10.00"
