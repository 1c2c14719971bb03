#!/usr/bin/env python3
"""Replaces (or appends) one "## Title" section of a Markdown file with the text on standard input.

usage: replace_section.py RESULTS.md "## Title" < section.md
"""
import sys

path, heading = sys.argv[1], sys.argv[2]
section = sys.stdin.read().rstrip("\n") + "\n"
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
start = text.find(heading + "\n")
if start >= 0:
    end = text.find("\n## ", start + 1)
    text = text[:start] + section + (text[end:] if end >= 0 else "")
else:
    text = (text.rstrip("\n") + "\n\n" if text else "") + section
with open(path + ".tmp", "w") as f:
    f.write(text)
import os
os.replace(path + ".tmp", path)
