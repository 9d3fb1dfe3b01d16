from decimal import Decimal


def total(prices: list[Decimal], discount: Decimal = Decimal("0")) -> Decimal:
    return sum(prices, Decimal("0")) * (1 - discount)
