"""Pre-2019 statistics tables -> legacy_statistics rows, mapping and part-sum findings."""
from pathlib import Path

import pytest

from extractors.document import Cell, Table
from extractors.legacy import is_statistics_table, legacy_findings, legacy_statistics


class _Doc:
    def __init__(self, tables):
        self.tables = tables


def _table(rows):
    return Table([Cell(x, r, c) for r, row in enumerate(rows) for c, x in enumerate(row)])


FUJIAN = [
    ["指标名称", "计量单位", "2017年度", "历年累计"],
    ["受理依申请公开信息总数", "条", "5", "40"],
    ["其中：1、当面申请数", "条", "2", "10"],
    ["2、网上申请数", "条", "3", "30"],
    ["对申请的答复总数", "条", "5", "40"],
    ["其中：1.同意公开答复数", "条", "4", "/"],
    ["2.同意部分公开答复数", "条", "1", "3"],
    ["行政复议数", "件", "0", "1"],
]


def test_rows_columns_units_and_mapping():
    vals = legacy_statistics(_Doc([_table(FUJIAN)]))
    by = {(v.label, v.column): v for v in vals}
    assert by[("受理依申请公开信息总数", "year")].value == 5
    assert by[("受理依申请公开信息总数", "cumulative")].value == 40
    assert by[("受理依申请公开信息总数", "year")].legacy_mapping == "applications.received_new.total"
    assert by[("2.同意部分公开答复数", "year")].legacy_mapping == "applications.partially_disclosed.total"
    assert by[("其中：1.同意公开答复数", "year")].legacy_mapping == "applications.disclosed.total"
    assert by[("行政复议数", "cumulative")].legacy_mapping == "reviews_litigation.review.total"
    assert by[("其中：1、当面申请数", "year")].parent == "受理依申请公开信息总数"
    slash = by[("其中：1.同意公开答复数", "cumulative")]
    assert slash.value is None and slash.raw == "/"
    assert by[("行政复议数", "year")].unit == "件"


def test_consistent_parts_give_no_finding_and_a_broken_one_does():
    assert legacy_findings(legacy_statistics(_Doc([_table(FUJIAN)]))) == []
    broken = [row[:] for row in FUJIAN]
    broken[3][2] = "4"  # 2 + 4 != 5
    f = legacy_findings(legacy_statistics(_Doc([_table(broken)])))
    assert [x.rule for x in f] == ["legacy_parts_sum"]
    assert f[0].severity == "warning" and f[0].evidence["sum"] == 6


def test_a_2021_table_is_not_a_statistics_table():
    assert not is_statistics_table(_table([["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]]))


@pytest.mark.corpus
@pytest.mark.parametrize("name,year_value", [("pingtan-2016", 3460), ("pingtan-2018", 2069)])
def test_pingtan_statistics_tables(shared_dir, name, year_value):
    from extractors.base import read_document

    path = Path(shared_dir) / "corpus" / "real" / f"{name}.html"
    vals = legacy_statistics(read_document(path.read_bytes(), str(path)))
    by = {(v.label, v.column): v for v in vals}
    assert by[("主动公开文件数", "year")].value == year_value
    assert by[("受理依申请公开信息总数", "year")].value == 0
