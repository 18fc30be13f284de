"""Charts for the offline HTML report: matplotlib figures rendered to inline SVG (no JS, no files)."""
from __future__ import annotations

import io

import pandas as pd

_CJK_FONTS = ["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # no display; the report is static
    import matplotlib.pyplot as plt

    plt.rcParams["font.sans-serif"] = _CJK_FONTS
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, small, rendered by the browser
    return plt


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    _plt().close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog/doctype so it can sit inside HTML


def distribution(values: pd.Series, title: str, xlabel: str) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3))
    v = pd.to_numeric(values, errors="coerce").dropna()
    ax.hist(v, bins=min(20, max(5, len(v))), color="#4c72b0", edgecolor="white")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("机关数")
    return _svg(fig)


def ranking(names: pd.Series, values: pd.Series, title: str, top: int = 20) -> str:
    plt = _plt()
    df = pd.DataFrame({"n": names.astype(str), "v": pd.to_numeric(values, errors="coerce")}).dropna()
    df = df.sort_values("v", ascending=True).tail(top)
    fig, ax = plt.subplots(figsize=(6, max(2.0, 0.3 * len(df) + 1)))
    ax.barh(df["n"], df["v"], color="#55a868")
    ax.set_title(title)
    return _svg(fig)


def trend(frame: pd.DataFrame, value: str, title: str, top: int = 8) -> str:
    """frame: columns name, year, value. One line per name (the largest ``top``)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3))
    biggest = frame.groupby("name")[value].max().sort_values(ascending=False).head(top).index
    for name, g in frame[frame["name"].isin(biggest)].groupby("name"):
        g = g.sort_values("year")
        ax.plot(g["year"].astype(int), pd.to_numeric(g[value], errors="coerce"), marker="o", label=str(name))
    ax.set_title(title)
    ax.set_xlabel("年度")
    if len(biggest):
        ax.legend(fontsize=7, loc="best")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _svg(fig)
