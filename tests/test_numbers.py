import pytest

from extractors.numbers import is_blank, parse_cell


@pytest.mark.parametrize("raw", ["", "   ", "/", "／", "-", "—", "－", "——", "无", "\u00a0", "0\u00a0"[1:], "/ /"])
def test_blank_markers_have_no_value(raw):
    p = parse_cell(raw)
    assert p.kind == "blank" and p.value is None and p.is_value_like


@pytest.mark.parametrize("raw,value", [
    ("0", 0), ("12", 12), ("０", 0), ("１２３", 123), ("1,234", 1234), ("1，234", 1234),
    ("0\u00a0", 0), ("\u00a0\u00a07 ", 7), ("+17", 17), ("-18", -18), ("－15", -15),
    ("＋3", 3), ("\u221218", -18),
])
def test_counts_and_signed(raw, value):
    p = parse_cell(raw)
    assert p.kind == "number" and p.value == value and isinstance(p.value, int)


def test_money_keeps_printed_precision():
    p = parse_cell("24252.311082")
    assert p.value == 24252.311082 and isinstance(p.value, float) and repr(p.value) == "24252.311082"
    assert parse_cell("9116.36").value == 9116.36


@pytest.mark.parametrize("raw,value,unit", [
    ("75394432.52元", 75394432.52, "元"), ("73802895.90 元", 73802895.90, "元"), ("3件", 3, "件"),
    ("1.5万元", 1.5, "万元"), ("6个", 6, "个"), ("251000", 251000, None),
])
def test_units_inside_cells(raw, value, unit):
    p = parse_cell(raw)
    assert (p.value, p.unit) == (value, unit)


def test_non_integer_count_is_kept_as_float():
    # documented choice: a count printed with decimals stays a float so a rule can flag it
    p = parse_cell("3.5")
    assert p.value == 3.5 and isinstance(p.value, float)


@pytest.mark.parametrize("raw", ["1.属于国家秘密", "（七）总计", "详见附件", "商业\n企业", "12a", "1.2.3"])
def test_labels_are_text(raw):
    p = parse_cell(raw)
    assert p.kind == "text" and p.value is None and not p.is_value_like


def test_is_blank():
    assert is_blank("—") and not is_blank("0") and not is_blank("规章")


@pytest.mark.parametrize("raw", ["2 0", "3 0 0 0", "1\u00a02", "12 +3"])
def test_digits_split_by_spaces_are_ambiguous(raw):
    p = parse_cell(raw)
    assert (p.kind, p.value) == ("ambiguous", None) and p.is_value_like


from hypothesis import given, strategies as st  # noqa: E402


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_any_printed_integer_round_trips(n):
    assert parse_cell(str(n)).value == n
    assert parse_cell(f"{n:,}").value == n
    full = str(n).translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert parse_cell(full).value == n


@given(st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_any_printed_decimal_keeps_its_digits(d):
    text = f"{d:f}"
    p = parse_cell(text)
    assert p.value == (int(text) if "." not in text else float(text))
