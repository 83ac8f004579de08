from django import template

from billing.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    """{{ amount|money:invoice.currency }} → ₹1,250.00"""
    return format_money(amount, currency or "")
