from mylib.calc import add, mul


def test_add():
    assert add(2, 2) == 4


def test_mul():
    assert mul(3, 4) == 12
