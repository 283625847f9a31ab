"""The report: one self-contained HTML page (PNGs embedded as data URIs) and a Markdown twin.

:func:`render_report` reads every ``DIR/<experiment>/results.json``, and writes
``DIR/report.html`` and ``DIR/report.md``: first the summary (each experiment's
status and wall time, then every number the notes print beside neuralab's with
its tolerance and verdict), then one section per experiment with its checks,
findings, tables, figures and remarks. The HTML has no script and loads nothing
from outside the file. ``DIR/SUMMARY.md`` is the summary alone: the status
table, every number with its verdict, and the findings that failed.
"""
from __future__ import annotations

import base64
import html
import json
import math
import time
from pathlib import Path

from .core import FAIL, NOT_JUDGED, PASS

__all__ = ["fmt_value", "load_results", "render_report", "render_summary"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.4}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#11772e;font-weight:bold}.bad{color:#b3141b;font-weight:bold}.nj{color:#777}
.skip{background:#fff7d6;padding:.4em .7em;border-left:4px solid #e0b000}
.err{background:#fde8e8;padding:.4em .7em;border-left:4px solid #b3141b;white-space:pre-wrap;font-size:.85em}
figure{margin:1em 0;display:inline-block;max-width:100%}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555;max-width:640px}
code{background:#f4f4f4;padding:0 .25em;border-radius:3px}.meta{color:#555;font-size:.9em}
ul.findings li{margin:.2em 0}
"""


def load_results(folder) -> list[dict]:
    """The results dicts under ``folder`` (one per experiment folder), in report order."""
    out = []
    for p in sorted(Path(folder).glob("*/results.json")):
        d = json.loads(p.read_text(encoding="utf-8"))
        d["_dir"] = p.parent.name
        out.append(d)
    return sorted(out, key=lambda d: (d.get("order", 1_000), d["name"]))


def fmt_value(v, fmt=None) -> str:
    """A number as the report prints it (``fmt`` a format spec, else 4 significant digits); text unchanged."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if fmt:
            return format(v, fmt)
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3e}"
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt_value(x, fmt) for x in v) + "]"
    return str(v)


def _ours(c) -> str:
    s = fmt_value(c["mean"], c.get("fmt"))
    if c.get("std") is not None and c.get("n", 1) > 1:
        s += f" ± {fmt_value(c['std'], c.get('fmt'))} ({c['n']} seeds)"
    return s


def _notes(c) -> str:
    return fmt_value(c["notes"], c.get("fmt"))


def _counts(results):
    judged = [c for d in results for c in d.get("checks", []) if c["judged"]]
    finds = [f for d in results for f in d.get("findings", [])]
    return (sum(c["ok"] for c in judged), len(judged), sum(f["ok"] for f in finds), len(finds))


def _cls(verdict):
    return {PASS: "ok", FAIL: "bad", NOT_JUDGED: "nj"}.get(verdict, "nj")


def _mode(d):
    return "quick" if d.get("quick") else "full"


# ------------------------------------------------------------------------------------------------ HTML
def _h(s) -> str:
    return html.escape(str(s))


def _html_table(columns, rows, num_cols=()):
    out = ["<table><tr>" + "".join(f"<th>{_h(c)}</th>" for c in columns) + "</tr>"]
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            cls = ' class="num"' if i in num_cols else ""
            cells.append(f"<td{cls}>{v}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _verdict_html(v):
    return f'<span class="{_cls(v)}">{_h(v)}</span>'


def _section_html(d, folder: Path) -> str:
    name = d["name"]
    parts = [f'<h2 id="{_h(name)}">{_h(d["title"])} <code>{_h(name)}</code></h2>',
             f'<p class="meta">{_h(d["source"])}<br>Run: <code>{_h(d["command"])}</code> · {_mode(d)} · '
             f'{d["wall_s"]:.1f} s wall · finished {_h(d.get("finished", ""))}</p>']
    if d["status"] == "skipped":
        parts.append(f'<p class="skip">Skipped: {_h(d["reason"])}</p>')
    elif d["status"] == "error":
        parts.append(f'<div class="err">Error: {_h(d["reason"])}\n{_h(d.get("traceback") or "")}</div>')
    if d.get("checks"):
        rows = [[_h(c["what"]), _h(_notes(c)), _h(_ours(c)) + (f" {_h(c['unit'])}" if c.get("unit") else ""),
                 _h(c["tolerance"]) + (f"<br><small>{_h(c['why'])}</small>" if c.get("why") else ""),
                 _verdict_html(c["verdict"])] for c in d["checks"]]
        parts.append("<h3>The notes' numbers beside neuralab's</h3>")
        parts.append(_html_table(["what", "notes", "neuralab", "tolerance", "verdict"], rows, num_cols=(1, 2)))
    if d.get("findings"):
        parts.append("<h3>Findings</h3><ul class=\"findings\">")
        for f in d["findings"]:
            detail = f" <small>({_h(f['detail'])})</small>" if f.get("detail") else ""
            parts.append(f"<li>{_verdict_html(f['verdict'])} {_h(f['claim'])}{detail}</li>")
        parts.append("</ul>")
    for t in d.get("tables", []):
        parts.append(f"<h3>{_h(t['title'])}</h3>")
        parts.append(_html_table(t["columns"], [[_h(fmt_value(v)) for v in r] for r in t["rows"]],
                                 num_cols=range(1, len(t["columns"]))))
        if t.get("note"):
            parts.append(f'<p class="meta">{_h(t["note"])}</p>')
    for f in d.get("figures", []):
        path = folder / d["_dir"] / f["file"]
        if not path.exists():
            parts.append(f'<p class="err">missing figure {_h(f["file"])}</p>')
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f'<figure><img alt="{_h(f["caption"])}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{_h(f['caption'])}</figcaption></figure>")
    if d.get("notes"):
        parts.append("<h3>Remarks</h3><ul>" + "".join(f"<li>{_h(n)}</li>" for n in d["notes"]) + "</ul>")
    return "\n".join(parts)


def _summary_rows(results, link):
    rows = []
    for d in results:
        judged = [c for c in d.get("checks", []) if c["judged"]]
        finds = d.get("findings", [])
        status = d["status"] if d["status"] != "ok" else "ran"
        rows.append([link(d), status, _mode(d), f"{sum(c['ok'] for c in judged)}/{len(judged)}",
                     f"{sum(f['ok'] for f in finds)}/{len(finds)}", f"{d['wall_s']:.1f} s"])
    return rows


def render_html(results, folder: Path) -> str:
    """The report page for ``results`` (PNG paths relative to ``folder``)."""
    ck, cn, fk, fn = _counts(results)
    machine = results[0].get("machine", {}) if results else {}
    head = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>neuralab lab report</title>"
            f"<link rel=\"icon\" href=\"data:,\"><meta name=\"viewport\" content=\"width=device-width\">"
            f"<style>{_CSS}</style></head><body>")
    parts = [head, "<h1>neuralab lab report</h1>",
             f'<p class="meta">Rendered {time.strftime("%Y-%m-%d %H:%M")} from {len(results)} experiment(s) · '
             f'{_h(machine.get("platform", ""))}, {machine.get("cpus", "?")} CPUs, NumPy '
             f'{_h(machine.get("numpy", ""))} · numbers checked: <b>{ck}/{cn}</b> ✓ · findings: <b>{fk}/{fn}</b> ✓</p>',
             "<h2>Summary</h2>",
             _html_table(["experiment", "status", "run", "numbers ✓", "findings ✓", "wall time"],
                         _summary_rows(results, lambda d: f'<a href="#{_h(d["name"])}">{_h(d["name"])}</a>'))]
    rows = []
    for d in results:
        for c in d.get("checks", []):
            rows.append([f'<a href="#{_h(d["name"])}">{_h(d["name"])}</a>', _h(c["what"]), _h(_notes(c)),
                         _h(_ours(c)), _h(c["tolerance"]), _verdict_html(c["verdict"])])
    if rows:
        parts += ["<h3>Every number of the notes, beside neuralab's</h3>",
                  _html_table(["experiment", "what", "notes", "neuralab", "tolerance", "verdict"], rows, (2, 3))]
    parts += [_section_html(d, folder) for d in results]
    parts.append("</body></html>\n")
    return "\n".join(parts)


# -------------------------------------------------------------------------------------------- Markdown
def _md_cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _md_table(columns, rows):
    out = ["| " + " | ".join(_md_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(_md_cell(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def render_markdown(results) -> str:
    """The report as Markdown (figures linked as ``NAME/file.png``)."""
    ck, cn, fk, fn = _counts(results)
    out = ["# neuralab lab report", "",
           f"{len(results)} experiment(s); numbers checked: **{ck}/{cn}** ✓; findings: **{fk}/{fn}** ✓. "
           "The HTML version (`report.html`) embeds every figure.", "", "## Summary", "",
           _md_table(["experiment", "status", "run", "numbers ✓", "findings ✓", "wall time"],
                     _summary_rows(results, lambda d: f"[{d['name']}](#{d['name']})")), ""]
    rows = [[d["name"], c["what"], _notes(c), _ours(c), c["tolerance"], c["verdict"]]
            for d in results for c in d.get("checks", [])]
    if rows:
        out += ["### Every number of the notes, beside neuralab's", "",
                _md_table(["experiment", "what", "notes", "neuralab", "tolerance", "verdict"], rows), ""]
    for d in results:
        out += [f"## {d['title']} (`{d['name']}`)", "", f"{d['source']}", "",
                f"Run: `{d['command']}` · {_mode(d)} · {d['wall_s']:.1f} s wall", ""]
        if d["status"] == "skipped":
            out += [f"> Skipped: {d['reason']}", ""]
        elif d["status"] == "error":
            out += [f"> Error: {d['reason']}", ""]
        if d.get("checks"):
            out += [_md_table(["what", "notes", "neuralab", "tolerance", "verdict"],
                              [[c["what"], _notes(c), _ours(c) + (f" {c['unit']}" if c.get("unit") else ""),
                                c["tolerance"], c["verdict"]] for c in d["checks"]]), ""]
        if d.get("findings"):
            out += [f"- {f['verdict']} {f['claim']}" + (f" ({f['detail']})" if f.get("detail") else "")
                    for f in d["findings"]]
            out.append("")
        for t in d.get("tables", []):
            out += [f"**{t['title']}**", "", _md_table(t["columns"], [[fmt_value(v) for v in r] for r in t["rows"]]),
                    ""]
            if t.get("note"):
                out += [t["note"], ""]
        for f in d.get("figures", []):
            out += [f"![{f['caption']}]({d['_dir']}/{f['file']})", "", f"*{f['caption']}*", ""]
        if d.get("notes"):
            out += [f"- {n}" for n in d["notes"]] + [""]
    return "\n".join(out)


def _seeds_text(d) -> str:
    seeds = d.get("seeds") or []
    return f"{len(seeds)} seed(s)" if len(seeds) != 1 else "1 seed"


def render_summary(results) -> str:
    """The summary as Markdown: each experiment's status, seeds and wall time; every number of the notes beside
    neuralab's (mean ± std over the seeds) with its tolerance and verdict; the findings that failed."""
    ck, cn, fk, fn = _counts(results)
    total = sum(d.get("wall_s", 0.0) for d in results)
    out = ["# neuralab lab: summary", "",
           f"{len(results)} experiment(s), {total / 60:.1f} min of wall time in all; numbers checked: **{ck}/{cn}** "
           f"✓; findings: **{fk}/{fn}** ✓. Details and figures: `report.html` / `report.md`.", "",
           _md_table(["experiment", "status", "run", "seeds", "numbers ✓", "findings ✓", "wall time", "command"],
                     [[*row[:3], _seeds_text(d), *row[3:], f"`{d['command']}`"]
                      for d, row in zip(results, _summary_rows(results, lambda d: d["name"]))]), ""]
    rows = [[d["name"], c["what"], _notes(c), _ours(c) + (f" {c['unit']}" if c.get("unit") else ""), c["tolerance"],
             c["verdict"]] for d in results for c in d.get("checks", [])]
    if rows:
        out += ["## Every number of the notes, beside neuralab's", "",
                _md_table(["experiment", "what", "notes", "neuralab", "tolerance", "verdict"], rows), ""]
    skipped = [d for d in results if d["status"] != "ok"]
    if skipped:
        out += ["## Not run", ""] + [f"- `{d['name']}`: {d['status']}: {d['reason']}" for d in skipped] + [""]
    failed = [(d["name"], f) for d in results for f in d.get("findings", []) if not f["ok"]]
    out += ["## Findings that failed", ""]
    out += [f"- `{n}`: {f['claim']}" + (f" ({f['detail']})" if f.get("detail") else "") for n, f in failed] or \
        ["None."]
    return "\n".join(out) + "\n"


def render_report(folder="lab/results") -> tuple[Path, Path]:
    """Write ``folder/report.html``, ``folder/report.md`` and ``folder/SUMMARY.md`` from the results there;
    returns the paths of the first two."""
    folder = Path(folder)
    results = load_results(folder)
    if not results:
        raise FileNotFoundError(f"lab report: no results in {folder} (run `neuralab lab run all --out {folder}` "
                                "first)")
    h = folder / "report.html"
    m = folder / "report.md"
    h.write_text(render_html(results, folder), encoding="utf-8")
    m.write_text(render_markdown(results), encoding="utf-8")
    (folder / "SUMMARY.md").write_text(render_summary(results), encoding="utf-8")
    return h, m
