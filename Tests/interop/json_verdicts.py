#!/usr/bin/env python3
"""Reads documents (one per line, hex-encoded) and prints, per document, 1 if it is one well-formed RFC 8259 JSON
document (UTF-8, no NaN/Infinity, nesting at most 512) and 0 otherwise. The oracle for the JSON reader's
differential test: Python's json module in strict mode."""
import json
import sys


def depth(value, level=1):
    if isinstance(value, dict):
        return max([level] + [depth(v, level + 1) for v in value.values()])
    if isinstance(value, list):
        return max([level] + [depth(v, level + 1) for v in value])
    return level


def reject(_):
    raise ValueError("constant")


for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_constant=reject)
        ok = depth(value) <= 512
    except (ValueError, RecursionError):
        ok = False
    print(1 if ok else 0)
