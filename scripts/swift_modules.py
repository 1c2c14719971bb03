#!/usr/bin/env python3
"""What a tool that reads the debug build's Swift modules needs besides `-I <build>/Modules`: the target triple, and
every C module map those modules may name (the package's system libraries, the ones SwiftPM generates in the build
directory, and the dependencies' own in the checkouts beside it). Used by api-check.py, check-doc-snippets.py and
docs.sh, which run swift-symbolgraph-extract and swiftc over the build.

  scripts/swift_modules.py triple
  scripts/swift_modules.py flags BUILD_DIR      # one argument per line: -Xcc, -fmodule-map-file=PATH, ...
"""
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def target_triple():
    info = json.loads(subprocess.run(["swiftc", "-print-target-info"], check=True, capture_output=True, text=True).stdout)
    return info["target"]["triple"]


def module_maps(build_dir):
    """The module maps, without those of packages nested in a checkout's own build directory."""
    found = glob.glob(os.path.join(ROOT, "Sources", "*", "module.modulemap"))
    found += glob.glob(os.path.join(os.path.realpath(build_dir), "*.build", "module.modulemap"))
    for parent in [os.path.dirname(os.path.abspath(build_dir)), os.path.dirname(os.path.dirname(os.path.realpath(build_dir)))]:
        checkouts = os.path.join(parent, "checkouts")
        if os.path.isdir(checkouts):
            found += [path for path in glob.glob(os.path.join(checkouts, "**", "module.modulemap"), recursive=True)
                      if "/.build/" not in os.path.relpath(path, checkouts)]
            break
    return sorted(set(found))


def module_map_flags(build_dir):
    return [flag for path in module_maps(build_dir) for flag in ("-Xcc", "-fmodule-map-file=" + path)]


if __name__ == "__main__":
    if sys.argv[1:2] == ["triple"]:
        print(target_triple())
    elif sys.argv[1:2] == ["flags"] and len(sys.argv) == 3:
        print("\n".join(module_map_flags(sys.argv[2])))
    else:
        sys.exit(__doc__)
