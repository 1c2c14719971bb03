#!/usr/bin/env python3
"""The public API of swift-cosign's library products, checked against the baseline in `api/`.

Each library's public declarations (as the compiler's symbol graph reports them, from the modules of a debug build)
are written one per line, `kind path: declaration`, plus one line per protocol conformance. A line of the baseline
that the build no longer has is a breaking change: a removed or changed public symbol, or a dropped conformance. The
check fails naming each one. New lines are additions, listed but allowed. When a change is deliberate, run with
`--update` to rewrite the baseline and commit it with the change (and a new major version, before 1.0 a new minor).

  scripts/api-check.py [--build-dir .build/debug] [--update]
  scripts/api-check.py --self-test     # a real module built twice: the second drops a public function; must fail
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swift_modules import module_map_flags, target_triple  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBRARIES = [
    "SigstoreCore", "SigstoreJSON", "SigstoreCrypto", "SigstoreModels", "SigstoreVerify", "Sigstore",
    "SigstoreIssuing", "SigstoreSign", "SigstoreSigning", "SigstoreTUF", "SigstoreKMS", "SigstorePKCS11",
    "SigstoreTesting", "OCIModels", "OCIRegistry", "RegistryTesting", "Cosign", "CosignOCI", "CosignCLI",
]


def extract(module, modules_dir, flags, out_dir, triple):
    cmd = ["swift-symbolgraph-extract", "-module-name", module, "-I", modules_dir, "-target", triple,
           "-minimum-access-level", "public", "-skip-inherited-docs", "-output-dir", out_dir, *flags]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"api-check: cannot read the public API of {module}: {result.stderr.strip()[:500]}")


def declaration(symbol):
    return "".join(fragment["spelling"] for fragment in symbol.get("declarationFragments", [])).replace("\n", " ")


def api_lines(module, graph_dir):
    """The module's public API: its own symbol graph and the extensions it makes to other modules' types."""
    lines = set()
    for path in sorted(glob.glob(os.path.join(graph_dir, f"{module}.symbols.json")) +
                       glob.glob(os.path.join(graph_dir, f"{module}@*.symbols.json"))):
        graph = json.load(open(path))
        extended = "" if os.path.basename(path) == f"{module}.symbols.json" else \
            os.path.basename(path)[len(module) + 1:-len(".symbols.json")] + "."
        names = {}
        for symbol in graph["symbols"]:
            names[symbol["identifier"]["precise"]] = extended + ".".join(symbol["pathComponents"])
            kind = symbol["kind"]["identifier"].removeprefix("swift.")
            lines.add(f"{kind} {names[symbol['identifier']['precise']]}: {declaration(symbol)}")
        for relation in graph["relationships"]:
            if relation["kind"] != "conformsTo":
                continue
            source = names.get(relation["source"])
            if source is None:
                continue
            target = relation.get("targetFallback") or names.get(relation["target"]) or relation["target"]
            lines.add(f"conformance {source}: {target}")
    return sorted(lines)


def current_api(build_dir, modules):
    modules_dir = os.path.join(build_dir, "Modules")
    if not os.path.isdir(modules_dir):
        raise SystemExit(f"api-check: no build at {build_dir} (run swift build first)")
    triple, flags = target_triple(), module_map_flags(build_dir)
    with tempfile.TemporaryDirectory() as tmp:
        result = {}
        for module in modules:
            out = os.path.join(tmp, module)
            os.makedirs(out)
            extract(module, modules_dir, flags, out, triple)
            result[module] = api_lines(module, out)
        return result


def compare(baseline_dir, api, update):
    """Prints what changed against the baseline; returns the breaking changes (baseline lines the build lacks)."""
    breaking, added = [], 0
    for module, lines in api.items():
        path = os.path.join(baseline_dir, f"{module}.api")
        if update:
            with open(path + ".tmp", "w") as f:
                f.write("".join(line + "\n" for line in lines))
            os.replace(path + ".tmp", path)
            continue
        if not os.path.exists(path):
            print(f"api-check: {module}: no baseline ({path}); run scripts/api-check.py --update")
            breaking.append(f"{module}: no baseline")
            continue
        baseline = [line.rstrip("\n") for line in open(path) if line.strip()]
        current = set(lines)
        removed = [line for line in baseline if line not in current]
        new = sorted(current - set(baseline))
        for line in removed:
            print(f"api-check: {module}: removed or changed: {line}")
        for line in new:
            print(f"api-check: {module}: added: {line}")
        breaking += removed
        added += len(new)
    if update:
        print(f"api-check: baseline written for {len(api)} libraries ({sum(len(v) for v in api.values())} declarations)")
    elif breaking:
        print(f"api-check: {len(breaking)} removed or changed public declaration(s). If deliberate: scripts/api-check.py "
              "--update and commit the baseline with the change; raise the version when callers' source breaks")
    else:
        print(f"api-check: the public API of {len(api)} libraries matches the baseline "
              f"({sum(len(v) for v in api.values())} declarations, {added} added)")
    return breaking


def self_test():
    """Builds a small module twice, the second time without one public function, and runs the check between them."""
    triple = target_triple()
    with tempfile.TemporaryDirectory() as tmp:
        def build(name, source):
            build_dir = os.path.join(tmp, name)
            os.makedirs(os.path.join(build_dir, "Modules"))
            with open(os.path.join(tmp, f"{name}.swift"), "w") as f:
                f.write(source)
            subprocess.run(["swiftc", "-parse-as-library", "-emit-module", "-module-name", "APICheckProbe", "-target", triple,
                            "-emit-module-path", os.path.join(build_dir, "Modules", "APICheckProbe.swiftmodule"),
                            os.path.join(tmp, f"{name}.swift")], check=True)
            return build_dir
        old = build("old", "public struct Probe: Sendable { public init() {}\n public func kept() -> Int { 1 }\n"
                           " public func removed(_ x: Int) -> Int { x } }\n")
        new = build("new", "public struct Probe { public init() {}\n public func kept() -> Int { 1 } }\n")
        baseline = os.path.join(tmp, "api")
        os.makedirs(baseline)
        compare(baseline, current_api(old, ["APICheckProbe"]), update=True)
        unchanged = compare(baseline, current_api(old, ["APICheckProbe"]), update=False)
        broken = compare(baseline, current_api(new, ["APICheckProbe"]), update=False)
        expected = ["method Probe.removed(_:): func removed(_ x: Int) -> Int", "conformance Probe: Swift.Sendable"]
        if unchanged or any(line not in broken for line in expected):
            print(f"api-check: self-test FAILED: against itself {unchanged}; after removing a function and a conformance "
                  f"{broken}, expected {expected} among them")
            return 1
        print("api-check: self-test passed: removing a public function and a conformance fails the check")
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--baseline-dir", default=os.path.join(ROOT, "api"))
    parser.add_argument("--update", action="store_true", help="rewrite the baseline from the build")
    parser.add_argument("--self-test", action="store_true", help="show that a removed public symbol fails the check")
    args = parser.parse_args()
    if shutil.which("swift-symbolgraph-extract") is None:
        raise SystemExit("api-check: swift-symbolgraph-extract not found (it ships with the Swift toolchain)")
    if args.self_test:
        return self_test()
    os.makedirs(args.baseline_dir, exist_ok=True)
    return 1 if compare(args.baseline_dir, current_api(args.build_dir, LIBRARIES), args.update) else 0


if __name__ == "__main__":
    sys.exit(main())
