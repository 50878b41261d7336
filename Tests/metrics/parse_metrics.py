"""Parses a Prometheus text file with prometheus_client's own parser (an independent check
of sectorstats' metrics writer) and prints its samples as JSON: a list of
[name, {label: value}, value], plus each family's type. Exit 1 when it does not parse."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
families = {}
samples = []
try:
    for family in text_string_to_metric_families(text):
        families[family.name] = family.type
        for s in family.samples:
            samples.append([s.name, s.labels, s.value])
except Exception as e:  # the parser raises ValueError and others on malformed input
    print(f"does not parse: {e}", file=sys.stderr)
    sys.exit(1)
json.dump({"types": families, "samples": samples}, sys.stdout, ensure_ascii=False)
