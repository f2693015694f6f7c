#!/usr/bin/env python3
"""Adds chDB's per-platform optional packages to package-lock.json.

npm leaves optional dependencies it cannot resolve out of the lockfile, and
`npm ci` then refuses the lockfile ("Missing: @chdb/lib-darwin-arm64 from lock
file"). The entries below are the ones npm would write; on a non-matching
platform npm skips them without downloading. Run after `npm install` changes
the lockfile: python3 scripts/lockfile-platforms.py
"""
import json
import pathlib

path = pathlib.Path(__file__).resolve().parent.parent / "package-lock.json"
lock = json.loads(path.read_text())
packages = lock["packages"]
base = packages["node_modules/@chdb/lib-linux-x64-gnu"]
version = base["version"]
added = []
for name, os_, cpu, libc in [
    ("darwin-arm64", "darwin", "arm64", None),
    ("darwin-x64", "darwin", "x64", None),
    ("linux-arm64-gnu", "linux", "arm64", "glibc"),
]:
    key = f"node_modules/@chdb/lib-{name}"
    if key in packages:
        continue
    entry = {
        "version": version,
        "resolved": f"https://registry.npmjs.org/@chdb/lib-{name}/-/lib-{name}-{version}.tgz",
        "cpu": [cpu],
        "license": base.get("license", "Apache-2.0"),
        "optional": True,
        "os": [os_],
    }
    if libc:
        entry["libc"] = [libc]
    packages[key] = entry
    added.append(key)
lock["packages"] = dict(sorted(packages.items(), key=lambda kv: (kv[0] != "", kv[0])))
path.write_text(json.dumps(lock, indent=2) + "\n")
print("added: " + (", ".join(added) if added else "nothing"))
