import urllib.request

from shop.pricing import total


def charge(customer: str, prices: list) -> int:
    amount = total(prices)
    with urllib.request.urlopen(f"https://payments.invalid/charge?c={customer}&a={amount}") as reply:
        return reply.status
