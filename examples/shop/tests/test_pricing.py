import sys
from decimal import Decimal

from shop.pricing import total

if sys.version_info < (3, 9):
    sys.exit("needs Python 3.9")


def test_total() -> None:
    assert total([Decimal("1.50"), Decimal("2.50")]) == Decimal("4.00")
