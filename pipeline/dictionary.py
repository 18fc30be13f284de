"""The data dictionary, generated from schemas/ (datasets, keys, rules, metrics) as HTML or Markdown."""
from __future__ import annotations

import html

from schemas import keys
from schemas.datasets import DATASETS, KEYS
from schemas.metrics import METRICS

LOAD_EXAMPLES = {
    "pandas": 'import pandas as pd\napps = pd.read_parquet("OUT/applications")\n'
              'apps[apps.row == "handled_total"].pivot(index="report_id", columns="applicant", values="value")',
    "DuckDB": "SELECT r.agency, r.year, a.value AS received\nFROM read_parquet('OUT/reports/**/*.parquet', hive_partitioning=true) r\n"
              "JOIN read_parquet('OUT/applications/**/*.parquet', hive_partitioning=true) a USING (report_id)\n"
              "WHERE a.row = 'received_new' AND a.applicant = 'total';",
    "R (arrow)": 'library(arrow); library(dplyr)\napps <- open_dataset("OUT/applications")\n'
                 'apps |> filter(row == "received_new", applicant == "total") |> collect()',
}


def _rules() -> list[tuple[str, str, str]]:
    try:
        from schemas.rules import RULES
    except ImportError:
        return []
    out = []
    for r in RULES:
        sev = ", ".join(sorted({o.severity for o in getattr(r, "outcomes", {}).values()}))
        out.append((r.id, sev, getattr(r, "doc", "")))
    return out


def _key_tables() -> list[tuple[str, list[tuple[str, str, str]]]]:
    apps = [(k.key, k.label, "/".join(k.templates)) for k in keys.APPLICATION_ROWS]
    cols = [(k.key, k.label, "") for k in keys.APPLICANTS]
    rl = [(p.key, p.label, "proceeding") for p in keys.PROCEEDINGS] + [(o.key, o.label, "outcome") for o in keys.OUTCOMES]
    active = [(f"{i.key}.{m.key}", f"{i.label} · {m.label}", t.template)
              for t in (keys.ACTIVE_2021, keys.ACTIVE_2019) for i in t.items for m in i.measures]
    return [("applications.row (表三 rows)", apps), ("applications.applicant (表三 columns)", cols),
            ("reviews_litigation (表四)", rl), ("active_disclosure item.measure (表二)", active)]


def to_html() -> str:
    e = html.escape
    parts = ["<h1>数据字典 · Data dictionary</h1>",
             "<p>Generated from <code>schemas/</code>. Every dataset is a folder of Parquet files under the output "
             "folder, readable with pandas, DuckDB or R.</p><h2>Loading</h2>"]
    for name, code in LOAD_EXAMPLES.items():
        parts.append(f"<h3>{e(name)}</h3><pre>{e(code)}</pre>")
    parts.append("<h2>Datasets</h2>")
    for ds, cols in DATASETS.items():
        parts.append(f"<h3 id='{e(ds)}'>{e(ds)}</h3><p>key: <code>{e(', '.join(KEYS.get(ds, ())))}</code></p>"
                     "<table><tr><th>column</th><th>type</th><th>meaning</th></tr>")
        parts += [f"<tr><td><code>{e(n)}</code></td><td>{e(str(t))}</td><td>{e(d)}</td></tr>" for n, t, d in cols]
        parts.append("</table>")
    parts.append("<h2>Canonical keys</h2>")
    for title, rows in _key_tables():
        parts.append(f"<h3>{e(title)}</h3><table><tr><th>key</th><th>label</th><th>note</th></tr>")
        parts += [f"<tr><td><code>{e(k)}</code></td><td>{e(l)}</td><td>{e(n)}</td></tr>" for k, l, n in rows]
        parts.append("</table>")
    parts.append("<h2>Validation rules</h2><table><tr><th>rule</th><th>severity</th><th>what it checks</th></tr>")
    parts += [f"<tr><td><code>{e(i)}</code></td><td>{e(s)}</td><td>{e(d)}</td></tr>" for i, s, d in _rules()]
    parts.append("</table><h2>Metrics</h2><table><tr><th>metric</th><th>definition</th><th>formula</th></tr>")
    parts += [f"<tr><td><code>{e(m)}</code></td><td>{e(d)}</td><td><code>{e(f)}</code></td></tr>" for m, f, d in METRICS]
    parts.append("</table>")
    return "\n".join(parts)


def to_markdown() -> str:
    lines = ["# Data dictionary", "", "Generated from `schemas/` by `xxgk dictionary`.", ""]
    for name, code in LOAD_EXAMPLES.items():
        lines += [f"### {name}", "```", code, "```", ""]
    for ds, cols in DATASETS.items():
        lines += [f"## `{ds}`", "", f"Key: `{', '.join(KEYS.get(ds, ()))}`", "", "| column | type | meaning |",
                  "|---|---|---|"]
        lines += [f"| `{n}` | {t} | {d} |" for n, t, d in cols]
        lines.append("")
    for title, rows in _key_tables():
        lines += [f"## {title}", "", "| key | label | note |", "|---|---|---|"]
        lines += [f"| `{k}` | {l} | {n} |" for k, l, n in rows]
        lines.append("")
    lines += ["## Validation rules", "", "| rule | severity | checks |", "|---|---|---|"]
    lines += [f"| `{i}` | {s} | {d} |" for i, s, d in _rules()]
    lines += ["", "## Metrics", "", "| metric | definition | formula |", "|---|---|---|"]
    lines += [f"| `{m}` | {d} | `{f}` |" for m, f, d in METRICS]
    return "\n".join(lines) + "\n"
