# Every test mocks this module away, so nobody noticed it cannot be imported.
from shop.pricing import TaxTable


def notify(customer: str) -> str:
    return f"{customer}: {TaxTable}"
