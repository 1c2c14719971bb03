#!/usr/bin/env python3
"""Scrapes a Prometheus text endpoint and parses it with prometheus_client (the reference parser, independent of
swift-prometheus), printing every sample as one JSON object: {"name{label=value,...}": value}, labels sorted.
Exits 1 when the page does not parse.

usage: prometheus_scrape.py URL [CA_FILE]
"""
import json
import ssl
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

url = sys.argv[1]
context = ssl.create_default_context(cafile=sys.argv[2]) if len(sys.argv) > 2 else None
with urllib.request.urlopen(url, context=context, timeout=10) as response:
    content_type = response.headers.get("Content-Type", "")
    text = response.read().decode("utf-8")
if not content_type.startswith("text/plain"):
    print(f"unexpected Content-Type {content_type}", file=sys.stderr)
    sys.exit(1)
samples = {}
try:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
except Exception as error:  # noqa: BLE001 - any parse failure is the answer
    print(f"does not parse as Prometheus text: {error}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(samples, sort_keys=True))
