#!/usr/bin/env python3
"""The package declares macOS: every file that imports a Linux C library must also import Darwin, in the same #if
chain, and must name Glibc/Musl symbols only inside an `#if canImport(Glibc)`/`Musl` branch. Exits 1 with one line per
problem. (This checks the platform conditionals where no macOS SDK is available to compile them.)"""
import pathlib, re, sys

roots = [pathlib.Path(p) for p in ("Sources", "Services/Sources", "Tests", "Services/Tests", "bench/Sources")]
problems = []
for root in roots:
    for path in root.rglob("*.swift"):
        if ".build" in path.parts:
            continue
        lines = path.read_text().splitlines()
        stack = []  # the condition of each open #if branch
        imports_linux = imports_darwin = False
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if m := re.match(r"#if\s+(.*)", text):
                stack.append(m.group(1))
            elif m := re.match(r"#elseif\s+(.*)", text):
                if stack: stack[-1] = m.group(1)
            elif text.startswith("#else"):
                if stack: stack[-1] = "else"
            elif text.startswith("#endif"):
                if stack: stack.pop()
            if re.match(r"(\w+ )?import (Glibc|Musl)\b", text):
                imports_linux = True
                if not any("canImport(Glibc)" in c or "canImport(Musl)" in c for c in stack):
                    problems.append(f"{path}:{number}: Glibc/Musl imported outside #if canImport")
            if re.match(r"(\w+ )?import Darwin\b", text):
                imports_darwin = True
            if re.search(r"\b(Glibc|Musl)\.\w", text) and not text.startswith("//"):
                if not any("canImport(Glibc)" in c or "canImport(Musl)" in c for c in stack):
                    problems.append(f"{path}:{number}: Glibc/Musl symbol used outside its #if canImport branch")
        if imports_linux and not imports_darwin:
            problems.append(f"{path}: imports Glibc/Musl but has no canImport(Darwin) branch")
for problem in problems:
    print(problem)
print(f"portability: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
