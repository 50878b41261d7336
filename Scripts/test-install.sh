#!/usr/bin/env bash
# The installed binary outside its source tree: `make install` into a temporary PREFIX, then
# a run from an unrelated folder with a pipeline file and data outside the repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s install PREFIX="$tmp/prefix"
bin="$tmp/prefix/bin/sectorstats"

# Only system libraries: no Swift runtime, no libraries from the build tree.
if ldd "$bin" | grep -E 'libswift|libFoundation|/\.build/|not found'; then
    echo "test-install: the installed binary needs libraries a plain machine does not have" >&2
    exit 1
fi

mkdir -p "$tmp/data" "$tmp/elsewhere"
cp Tests/Fixtures/normalize/registrations_every_defect_utf8.csv "$tmp/data/registrations.csv"
cp Tests/Fixtures/normalize/funding_every_defect_utf8.csv "$tmp/data/funding.csv"
cat > "$tmp/data/p.yml" <<'YML'
version: 1
name: installed
as_of: 2021-12-31
output: out
sources:
  registrations: [registrations.csv]
  funding: [funding.csv]
YML

cd "$tmp/elsewhere"
"$bin" run "$tmp/data/p.yml" --quiet
"$bin" show relief_coverage --pipeline "$tmp/data/p.yml" --limit 3 > /dev/null
# The built-in tables give what the repository's give.
"$bin" run "$tmp/data/p.yml" --quiet --out "$tmp/with-folder" --reference "$repo/datasets/reference"
for t in registrations_by_year relief_coverage quarantine; do
    cmp <(gzip -dc "$tmp/data/out/latest/$t.csv.gz") <(gzip -dc "$tmp/with-folder/latest/$t.csv.gz")
done
echo "test-install: ok ($bin from $tmp/elsewhere)"
