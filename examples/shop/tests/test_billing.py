from unittest import mock

from shop import billing


@mock.patch("shop.billing.total")
@mock.patch("shop.billing.urllib.request.urlopen")
def test_charge(urlopen, total) -> None:
    urlopen.return_value.__enter__.return_value.status = 200
    total.return_value = 10
    assert billing.charge("ada", []) == 200
