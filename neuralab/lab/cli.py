"""``neuralab lab``: list, run and report the lectures' experiments (the argument wiring)."""
from __future__ import annotations

import sys

DEFAULT_OUT = "lab/results"


def add_lab_parser(sub) -> None:
    """Register ``neuralab lab {list,run,report}`` on the subparsers ``sub`` of the main parser."""
    p = sub.add_parser("lab", help="run the lectures' experiments and build their report",
                       description="The lectures' experiments, one command each: plots, results.json and a report "
                       "(HTML with embedded images + Markdown) that puts every number of the notes beside "
                       "neuralab's with a verdict.")
    lsub = p.add_subparsers(dest="lab_command", required=True, metavar="{list,run,report}")
    ls = lsub.add_parser("list", help="name the experiments")
    ls.set_defaults(func=cmd_list)
    r = lsub.add_parser("run", help="run experiments (NAME ... or all), then render the report")
    r.add_argument("names", nargs="+", metavar="NAME", help="experiment names, or all")
    r.add_argument("--quick", action="store_true", help="the reduced version (bundled data, seconds each; what CI "
                   "runs) instead of the full one (default: full)")
    r.add_argument("--seeds", type=int, default=None,
                   help="number of seeds of a stochastic experiment: 0..K-1, shown as mean ± std (default: the "
                   "experiment's own, see `neuralab lab list`)")
    r.add_argument("--out", default=DEFAULT_OUT, help=f"results folder (default: {DEFAULT_OUT})")
    r.add_argument("--data-root", dest="data_root", default=None,
                   help="folder holding mnist/ (default: $NEURALAB_DATA, else the cache)")
    r.add_argument("--threads", type=int, default=None,
                   help="BLAS and kernel threads during the runs (default: 1 with --quick, whose matrices are small; "
                   "else the libraries' default, one per core; use 1 on a machine other jobs share)")
    r.add_argument("--no-report", dest="report", action="store_false", help="do not render the report afterwards")
    r.add_argument("--check", action="store_true", help="exit with status 1 when a finding or a judged number "
                   "fails, not only when an experiment errors (default: off)")
    r.set_defaults(func=cmd_run)
    rep = lsub.add_parser("report", help="render DIR/report.html and DIR/report.md from the results in DIR")
    rep.add_argument("dir", nargs="?", default=DEFAULT_OUT, help=f"results folder (default: {DEFAULT_OUT})")
    rep.add_argument("--screenshot", default=None, metavar="PNG",
                     help="also open the page in headless Chromium, check it and save a screenshot (default: no)")
    rep.set_defaults(func=cmd_report)


def cmd_list(args) -> int:
    from . import registry

    reg = registry.load()
    for name in registry.names():
        e = reg[name]
        seeds = f"seeds {e.seeds[0]} quick / {e.seeds[1]} full" if e.stochastic else "deterministic"
        print(f"{name:<22} {e.title} ({seeds})")
    return 0


def _line(d) -> str:
    judged = [c for c in d["checks"] if c["judged"]]
    ck = sum(c["ok"] for c in judged)
    fk = sum(f["ok"] for f in d["findings"])
    if d["status"] == "skipped":
        return f"{d['name']}: skipped ({d['reason']})"
    if d["status"] == "error":
        return f"{d['name']}: ERROR {d['reason']}"
    return (f"{d['name']}: {d['wall_s']:.1f} s, numbers {ck}/{len(judged)} ✓, findings {fk}/{len(d['findings'])} ✓"
            + "".join(f"\n    ✗ {f['claim']}" for f in d["findings"] if not f["ok"])
            + "".join(f"\n    ✗ {c['what']}: notes {c['notes']}, neuralab {c['mean']}" for c in judged if not c["ok"]))


def cmd_run(args) -> int:
    from ..cli import CLIError
    from . import registry
    from .core import plotting, run_experiment
    from .report import render_report

    plotting()  # the [lab] extra missing: say so before anything runs
    if args.seeds is not None and args.seeds < 1:
        raise CLIError(f"--seeds: must be at least 1, got {args.seeds}")
    known = registry.names()
    names = known if "all" in args.names else list(dict.fromkeys(args.names))
    bad = [n for n in names if n not in known]
    if bad:
        raise CLIError(f"lab run: unknown experiment(s) {', '.join(bad)}; choose from: {', '.join(known)} (or all)")
    status = 0
    for name in names:
        print(f"== {name}", flush=True)
        d = run_experiment(name, quick=args.quick, seeds=args.seeds, out=args.out, data_root=args.data_root,
                           log=lambda m: print(m, flush=True),
                           threads="auto" if args.threads is None else args.threads)
        print(_line(d), flush=True)
        if d["status"] == "error":
            print(d["traceback"], file=sys.stderr)
            status = 1
        elif args.check and (any(not f["ok"] for f in d["findings"])
                             or any(c["judged"] and not c["ok"] for c in d["checks"])):
            status = 1
    if args.report:
        h, m = render_report(args.out)
        print(f"report: {h} and {m}")
    return status


def cmd_report(args) -> int:
    from .report import render_report

    h, m = render_report(args.dir)
    print(f"report: {h} and {m}")
    if args.screenshot:
        from .browser import check_page

        r = check_page(h, screenshot=args.screenshot)
        print(f"chromium: {r['images_decoded']}/{r['images']} images decoded, {len(r['errors'])} console error(s); "
              f"screenshot {args.screenshot}")
        for e in r["errors"]:
            print(f"  {e}", file=sys.stderr)
        return 0 if r["ok"] else 1
    return 0
