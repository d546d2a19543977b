#!/usr/bin/env python3
"""Markdown report of the WAN mode of bench/run.sh (called by bench/wan/wan.sh).

Usage: report.py WORK WAN_WORK
Reads WORK/samples.tsv (case profile tool run seconds bytes peak_rss_kib cpu_s), WORK/server-cpu.tsv,
WORK/assembly.tsv, WORK/notes.txt, WAN_WORK/profiles.tsv (profile rtt_ms rate), WAN_WORK/windows.tsv (case profile
tool run t0 t1 key-fragment) and WAN_WORK/events-<profile>.log (WanProxy --events). A run's requests are those
whose decoded target contains its key fragment (e.g. `chute/small-rtt40-2/` or `rclone-tuned/file-wan-rtt80-1.bin`), so the
daemon's periodic HeadBucket and the bench's own checks (which bypass the proxy anyway) are not counted.
"""
import collections
import os
import statistics
import sys
import urllib.parse

work, wan = sys.argv[1:3]


def rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


profiles = [(p, int(rtt), int(rate)) for p, rtt, rate in rows(os.path.join(wan, "profiles.tsv"))]


def label(rtt, rate):
    return f"RTT {rtt} ms, " + (f"{rate * 8 / 1e9:g} Gbit/s ({rate / 1e6:g} MB/s)" if rate >= 125e6
                                else f"{rate * 8 / 1e6:g} Mbit/s ({rate / 1e6:g} MB/s)" if rate else "no cap")


Req = collections.namedtuple("Req", "conn t target expect")
requests = {}  # profile -> list of [Req, end_t, status]
conns = {}     # profile -> conn -> [open_t, close_t]
for p, _, _ in profiles:
    reqs, cs, by_id = [], {}, {}
    path = os.path.join(wan, f"events-{p}.log")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                w = line.split()
                kind, t, conn = w[0], float(w[1]), w[2]
                if kind == "OPEN":
                    cs[conn] = [t, None]
                elif kind == "CLOSE":
                    cs.setdefault(conn, [t, None])[1] = t
                elif kind == "REQ":
                    r = [Req(conn, t, urllib.parse.unquote(w[5]), w[6] == "1"), None, None]
                    by_id[w[3]] = r
                    reqs.append(r)
                elif kind == "END" and w[3] in by_id:
                    by_id[w[3]][1], by_id[w[3]][2] = t, int(w[4])
    requests[p], conns[p] = reqs, cs


def sweep(intervals):
    """Peak number of overlapping [start, end] intervals."""
    ev = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals], key=lambda e: (e[0], e[1]))
    cur = peak = 0
    for _, d in ev:
        cur += d
        peak = max(peak, cur)
    return peak


def wire(p, t0, t1, frag):
    """What the proxy saw of one run."""
    rs = [r for r in requests.get(p, []) if frag in r[0].target]
    if not rs:
        return None
    first = min(r[0].t for r in rs)
    ends = [(r[1] if r[1] is not None else t1) for r in rs]
    last = max(ends)
    used = {r[0].conn for r in rs}
    cs = conns[p]
    opened = sum(1 for c in used if c in cs and cs[c][0] >= t0 - 0.001)
    spans = []
    for c in used:
        o, cl = cs.get(c, [t0, None])
        a, b = max(o, t0), min(cl if cl is not None else t1, t1)
        if b >= a:
            spans.append((a, b))
    durations = [e - r[0].t for r, e in zip(rs, ends)]
    return {
        "first": first - t0,          # start (drop, or process start) -> first request read by the proxy
        "wire": last - first,         # first request -> last response delivered
        "tail": t1 - last,            # last response -> end of the run (Chute: source deleted; peers: exit)
        "requests": len(rs),
        "expect100": sum(1 for r in rs if r[0].expect),
        "errors": sum(1 for r in rs if r[2] is None or r[2] < 0 or r[2] >= 500),
        "req_ms": 1000 * statistics.median(durations),
        "opened": opened,
        "peak_conns": sweep(spans),
        "peak_inflight": sweep([(r[0].t, e) for r, e in zip(rs, ends)]),
        "mean_inflight": sum(durations) / (last - first) if last > first else float(len(rs)),
    }


samples = collections.OrderedDict()
for case, p, tool, run, secs, nbytes, peak, cpu in rows(os.path.join(work, "samples.tsv")):
    samples.setdefault((case, p, tool), []).append(
        None if secs == "FAIL" else {"run": run, "s": float(secs), "bytes": int(nbytes), "cpu": float(cpu)})
windows = {(c, p, tool, run): (t0, t1, frag) for c, p, tool, run, t0, t1, frag in rows(os.path.join(wan, "windows.tsv"))}
server_cpu = collections.defaultdict(list)
for c, p, tool, cpu, _ in rows(os.path.join(work, "server-cpu.tsv")):
    server_cpu[(c, p, tool)].append(float(cpu))
nfiles = int(open(os.path.join(work, "small-n.txt")).read()) if os.path.exists(os.path.join(work, "small-n.txt")) else 0


def med(xs, fmt="{:.2f}"):
    xs = [x for x in xs if x is not None]
    return fmt.format(statistics.median(xs)) if xs else ""


def per_run_wire(case, p, tool, ok):
    out = []
    for s in ok:
        w = windows.get((case, p, tool, s["run"]))
        if w and w[0] != "-":
            out.append(wire(p, float(w[0]), float(w[1]), w[2]))
    return [w for w in out if w]


titles = {"small": f"{nfiles:,} small files (Chute: folder renamed into the drop folder → every file verified and deleted; "
                   f"peers: `aws s3 cp --recursive`, `rclone copy`)",
          "one": "One big file (Chute: drop → verified and deleted; peers: `aws s3 cp`, `rclone copyto`)"}
chute_rows = []
for case in ("small", "one"):
    keys = [k for k in samples if k[0] == case]
    if not keys:
        continue
    any_ok = next((s for k in keys for s in samples[k] if s), None)
    size = f", {any_ok['bytes'] / max(nfiles, 1) / 1024:.0f} KiB each" if case == "small" and any_ok else \
        (f", {any_ok['bytes']:,} bytes" if any_ok else "")
    print(f"## {titles[case]}{size}\n")
    unit = "files/s" if case == "small" else "MB/s"
    print(f"| path | tool | runs | median s | min–max s | {unit} | % of link | vs best peer | first request after start s "
          f"| requests | with 100-continue | median request ms | conns opened | peak conns | requests in flight: mean / peak "
          f"| client CPU s | server CPU s |")
    print("|" + "---|" * 17)
    for p, rtt, rate in profiles:
        peers = {}
        for k in keys:
            ok = [s for s in samples[k] if s]
            if k[1] == p and k[2] != "chute" and ok:
                peers[k[2]] = statistics.median(s["s"] for s in ok)
        best_tool = min(peers, key=peers.get) if peers else None
        for k in keys:
            if k[1] != p:
                continue
            tool = k[2]
            ok = [s for s in samples[k] if s]
            fails = len(samples[k]) - len(ok)
            n = f"{len(ok)}" + (f" (+{fails} failed)" if fails else "")
            if not ok:
                print(f"| {label(rtt, rate)} | {tool} | {n} | FAILED |" + " |" * 13)
                continue
            times = [s["s"] for s in ok]
            m = statistics.median(times)
            nbytes = ok[0]["bytes"]
            speed = f"{nfiles / m:.0f}" if case == "small" else f"{nbytes / 1e6 / m:.1f}"
            link = f"{100 * nbytes / m / rate:.0f}%" if rate else "no cap"
            vs = "" if best_tool is None else ("1.00× (best)" if tool == best_tool else f"{peers[best_tool] / m:.2f}× ({best_tool})")
            ws = per_run_wire(case, p, tool, ok)
            g = lambda key, fmt="{:.0f}": med([w[key] for w in ws], fmt)  # noqa: E731
            inflight = f"{g('mean_inflight', '{:.1f}')} / {g('peak_inflight')}" if ws else ""
            errs = sum(w["errors"] for w in ws)
            print(f"| {label(rtt, rate)} | {tool} | {n} | {m:.2f} | {min(times):.2f}–{max(times):.2f} | {speed} | {link} | {vs} "
                  f"| {g('first', '{:.2f}')} | {g('requests')}{f' ({errs} failed)' if errs else ''} | {g('expect100')} "
                  f"| {g('req_ms')} | {g('opened')} | {g('peak_conns')} | {inflight} "
                  f"| {med([s['cpu'] for s in ok], '{:.1f}')} | {med(server_cpu.get(k, []), '{:.1f}')} |")
            if tool == "chute" and ws:
                chute_rows.append((case, p, rtt, rate, m, ws))
    print()

print("`first request after start`: from the drop (Chute: `mv` into the drop folder) or the process start (peers) to the "
      "first request of the run read by the proxy: Chute's detection latency (the quiet period, then noticing it ended), the peers' "
      "start-up. `requests`: HTTP requests of the run (their target names the run's keys; \"failed\": 5xx answers or "
      "connections closed before the answer), `with 100-continue`: of those, "
      "sent with `Expect: 100-continue` (the body waits one more round trip). `median request ms`: request head read by "
      "the proxy → last byte of the response delivered to the client. `conns opened`: connections opened during the run "
      "that carried its requests; `peak conns`: most of those open at once (idle pooled ones included). `requests in "
      "flight`: mean (sum of request times ÷ first-to-last time, Little's law) and peak. `% of link`: payload bytes ÷ "
      "time ÷ link rate. Medians over the runs; CPU s = user + system seconds (client: Chute's /proc/PID/stat delta, peers' "
      "`/usr/bin/time -v`; server: S3Proxy's).\n")

if chute_rows:
    print("## Where Chute's time goes (medians over the runs)\n")
    print("| case | path | drop → verified s | drop → first request s | first request → last response s | last response → source deleted s "
          "| rate over first → last | store assembling the object s | rate over first → last without the assembly |")
    print("|---|---|---|---|---|---|---|---|---|")
    assembly = collections.defaultdict(list)
    for p, name, ms in rows(os.path.join(work, "assembly.tsv")):
        if name.startswith("file-wan-"):
            assembly[p].append(int(ms) / 1000)
    for case, p, rtt, rate, m, ws in chute_rows:
        wire_s = statistics.median(w["wire"] for w in ws)
        nbytes = next(s for s in samples[(case, p, "chute")] if s)["bytes"]
        rate_s = f"{nfiles / wire_s:.0f} files/s" if case == "small" else f"{nbytes / 1e6 / wire_s:.1f} MB/s"
        asm = f"{statistics.median(assembly[p]):.1f}" if case == "one" and assembly[p] else ""
        transfer = ""
        if asm:
            transfer_s = wire_s - statistics.median(assembly[p])
            transfer = f"{nbytes / 1e6 / transfer_s:.1f} MB/s"
            if rate:
                transfer += f" ({100 * nbytes / transfer_s / rate:.1f} % of link)"
        print(f"| {case} | {label(rtt, rate)} | {m:.2f} | {statistics.median(w['first'] for w in ws):.2f} | {wire_s:.2f} "
              f"| {statistics.median(w['tail'] for w in ws):.2f} | {rate_s} | {asm} | {transfer} |")
    print("\nThe assembly time is Chute's DEBUG line for CompleteMultipartUpload (S3Proxy copies the parts into one file; "
          "every multipart client waits for it, inside `first request → last response`; the last column takes its median out).\n")

print("## Proxy totals per path (whole profile: warm-up, all tools and runs)\n")
print("| path | connections opened | peak open | requests | peak in flight | 100 Continue answers | MB up | MB down | connections not parsed as HTTP |")
print("|---|---|---|---|---|---|---|---|---|")
for p, rtt, rate in profiles:
    st = dict(l[0].split("=", 1) for l in rows(os.path.join(wan, f"stats-{p}.txt")) if "=" in l[0])
    if st:
        print(f"| {label(rtt, rate)} | {st['connections_opened']} | {st['connections_peak']} | {st['requests']} "
              f"| {st['requests_in_flight_peak']} | {st['continues']} | {int(st['bytes_up']) / 1e6:,.0f} "
              f"| {int(st['bytes_down']) / 1e6:,.1f} | {st['unparsed_connections']} |")
print()
notes_path = os.path.join(work, "notes.txt")
notes = [l.rstrip("\n") for l in open(notes_path) if l.strip()] if os.path.exists(notes_path) else []
if notes:
    print("## Notes and failures\n")
    for n in dict.fromkeys(notes):
        print(f"- {n}")
