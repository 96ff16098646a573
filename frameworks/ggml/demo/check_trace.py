#!/usr/bin/env python3
"""Proves, from a FLAGHAL_TRACE file, that a layer-split llama.cpp run moved its
activations between FlagHAL devices through the ggml backend's
cpy_tensor_async and joined its streams with the backend's events.

check_trace.py TRACE.json --devices "cpu,vulkan"

TRACE.json is the Chrome trace the FlagHAL loader writes at exit when
FLAGHAL_TRACE names it (docs/loader.md, "Trace layer"): API calls on host
tracks (pid 0), stream work and event marks on one "process" per device
(pid = ordinal + 1, named "device N: <name> (<plugin>)"). --devices names the
plugins of the split's devices, in split order. The run passes when:
  - every fhMemcpyPeerAsync call succeeded, and at least one did;
  - peer copies read on the first device's stream and wrote on a later
    device's (the activations crossed devices, device to device: ggml's
    host fallback, fhMemcpyDtoH then fhMemcpyHtoD, would show none);
  - fhEventRecord and fhStreamWaitEvent ran on the split's devices'
    streams (ggml's scheduler makes events only with pipeline parallelism,
    so these are its events, recorded after each split and waited for
    before a split's inputs are overwritten), and every fhEventRecord,
    fhStreamWaitEvent and fhEventSynchronize call succeeded;
  - the layer dropped no events (its cap) and the file was complete.
Prints one line of counts; exit status 1 (with the reason) otherwise.
"""
import argparse
import collections
import json
import re
import sys

EVENT_CALLS = ("fhEventRecord", "fhStreamWaitEvent", "fhEventSynchronize")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--devices", required=True, help="plugins of the split's devices, in order: cpu,vulkan")
    args = ap.parse_args()
    plugins = args.devices.split(",")
    with open(args.trace) as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    problems = []
    if doc.get("otherData", {}).get("dropped_events", 0) != 0:
        problems.append(f"the trace dropped {doc['otherData']['dropped_events']} events")

    # pid -> plugin of that device ("device 0: llvmpipe (vulkan)").
    plugin_of = {}
    for e in events:
        if e.get("ph") == "M" and e["name"] == "process_name" and e["pid"] != 0:
            m = re.search(r"\(([^()]*)\)$", e["args"]["name"])
            plugin_of[e["pid"]] = m.group(1) if m else "?"
    pids = [next((p for p, name in sorted(plugin_of.items()) if name == plugin), None) for plugin in plugins]
    if None in pids:
        sys.exit(f"check_trace: no device of plugin {plugins[pids.index(None)]} in the trace ({plugin_of})")

    calls = collections.Counter()
    failed = collections.Counter()
    reads = collections.Counter()   # pid of the device the peer copy read
    writes = collections.Counter()  # pid of the device it wrote
    marks = collections.Counter()   # (name, pid)
    for e in events:
        cat = e.get("cat")
        if cat == "api":
            calls[e["name"]] += 1
            if e["name"] in EVENT_CALLS + ("fhMemcpyPeerAsync",) and e["args"].get("status") != "FH_SUCCESS":
                failed[(e["name"], e["args"].get("status"))] += 1
        elif cat == "stream" and e["name"] == "peer copy (read)":
            reads[e["pid"]] += 1
        elif cat == "stream" and e["name"] == "peer copy (write)":
            writes[e["pid"]] += 1
        elif cat == "mark":
            marks[(e["name"], e["pid"])] += 1

    for (name, status), n in sorted(failed.items()):
        problems.append(f"{n} {name} calls returned {status}")
    if calls["fhMemcpyPeerAsync"] == 0:
        problems.append("no fhMemcpyPeerAsync call: cpy_tensor_async never copied between devices")
    if reads[pids[0]] == 0 or sum(writes[p] for p in pids[1:]) == 0:
        problems.append(f"no peer copy from the first device to a later one (reads {dict(reads)}, writes {dict(writes)})")
    records = sum(marks[("fhEventRecord", p)] for p in pids)
    waits = sum(marks[("fhStreamWaitEvent", p)] for p in pids)
    if records == 0 or waits == 0:
        problems.append(f"event records {records}, waits {waits} on the split's devices: "
                        "the scheduler ran without events (no pipeline parallelism)")

    print(f"fhMemcpyPeerAsync {calls['fhMemcpyPeerAsync']} (read on {plugins[0]}: {reads[pids[0]]}, written on "
          f"{'+'.join(plugins[1:])}: {sum(writes[p] for p in pids[1:])}), fhEventRecord {records}, "
          f"fhStreamWaitEvent {waits}, fhEventSynchronize {calls['fhEventSynchronize']}, "
          f"host copies fhMemcpyDtoH {calls['fhMemcpyDtoH']} fhMemcpyHtoD {calls['fhMemcpyHtoD']}")
    for p in problems:
        print(f"check_trace: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
