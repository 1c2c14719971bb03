#!/usr/bin/env python3
"""Type-checks the Swift code of the DocC articles against the built modules, so an article cannot drift from the API.

Every ```swift block of an article (`Sources/*/*.docc/*.md`, landing pages included) becomes the body of a function of
its own, after the article's imports (gathered from all its blocks) and its prelude: the declarations the blocks use
without showing them (`artifact`, a `bundleURL`), written in the article as an HTML comment, which DocC does not render:

    <!-- snippet-prelude
    let artifact = Data()
    -->

The whole file is checked with `swiftc -typecheck`; every error is printed with the article it came from.

  scripts/check-doc-snippets.py [--build-dir .build/debug]
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swift_modules import module_map_flags, target_triple  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"^```swift\n(.*?)^```", re.S | re.M)
PRELUDE = re.compile(r"<!--\s*snippet-prelude\n(.*?)-->", re.S)


def program(article):
    text = open(article).read()
    blocks = BLOCK.findall(text)
    if not blocks:
        return None
    imports, bodies = [], []
    for block in blocks:
        lines = block.splitlines()
        imports += [line.strip() for line in lines if line.startswith("import ")]
        bodies.append("\n".join("    " + line for line in lines if not line.startswith("import ")))
    prelude = "\n".join(PRELUDE.findall(text))
    out = sorted(set(imports)) + ["", "// prelude", prelude, ""]
    for index, body in enumerate(bodies, 1):
        out += [f"func snippet{index}() async throws {{", body, "}", ""]
    return "\n".join(out) + "\n", len(blocks)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, ".build", "debug"))
    args = parser.parse_args()
    modules = os.path.join(args.build_dir, "Modules")
    if not os.path.isdir(modules):
        raise SystemExit(f"check-doc-snippets: no build at {args.build_dir} (run swift build first)")
    flags = ["-I", modules, "-target", target_triple(), *module_map_flags(args.build_dir)]
    failures = checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for article in sorted(glob.glob(os.path.join(ROOT, "Sources", "*", "*.docc", "*.md"))):
            made = program(article)
            if made is None:
                continue
            source, count = made
            name = os.path.relpath(article, ROOT)
            path = os.path.join(tmp, "snippets.swift")
            with open(path, "w") as f:
                f.write(source)
            result = subprocess.run(["swiftc", "-typecheck", "-parse-as-library", *flags, path], capture_output=True, text=True)
            errors = [line for line in result.stderr.splitlines() if ": error:" in line]
            if result.returncode != 0:
                failures += 1
                print(f"check-doc-snippets: {name}: {len(errors) or 'the'} error(s) in its {count} Swift block(s):")
                for line in (errors or result.stderr.splitlines())[:20]:
                    print("    " + line.replace(path + ":", "snippet line "))
            else:
                checked += count
    if failures:
        print(f"check-doc-snippets: {failures} article(s) with code that does not compile against the built modules")
        return 1
    print(f"check-doc-snippets: {checked} Swift blocks of the DocC articles type-check against the built modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
