#!/usr/bin/env python3
"""End-to-end tests of the Dask driver: a LocalCluster of 2 worker processes on 127.0.0.1
runs scale/dask_run.py, and the published tables must be byte-identical to those of
`sectorstats run` on the same inputs.

    python3 scale/test_dask_run.py [--binary PATH]      (make test runs it after swift test)

Ends with a line `N passed, M failed`; exits non-zero on any failure.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVER = os.path.join(ROOT, "scale", "dask_run.py")
BINARY = os.environ.get("SECTORSTATS_BIN") or os.path.join(ROOT, ".build", "debug", "sectorstats")

GENERATED_PIPELINE = """version: 1
name: generated
as_of: 2021-12-31
sources:
  registrations:
    - gen/registrations/registrations_0[1-3]*
    - path: gen/registrations/registrations_04_utf8_zh.tsv
      delimiter: tab
  funding:
    - gen/funding/funding_0[1-3]*
    - path: gen/funding/funding_04_utf8_zh.tsv
      delimiter: tab
"""


def published(out):
    """The published set: each file's bytes, and the manifest without timings and the
    built/reused flags (the only parts that may differ between runs)."""
    latest = os.path.join(out, "latest")
    files = {}
    for name in sorted(os.listdir(latest)):
        with open(os.path.join(latest, name), "rb") as f:
            files[name] = f.read()
    manifest = json.loads(files.pop("manifest.json"))
    manifest.pop("stages")
    for i in manifest["inputs"]:
        i.pop("partial", None)
    return files, manifest


class DaskDriverTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from distributed import LocalCluster

        cls.tmp = tempfile.mkdtemp(prefix="sectorstats-dask-")
        cls.cluster = LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        cls.scheduler = cls.cluster.scheduler_address
        # The generated set: four funding files in four shapes (one gzip, three plain).
        subprocess.run([BINARY, "generate", "--orgs", "2000", "--funding", "40000", "--mixed-shapes", "--seed", "3",
                        "--out", os.path.join(cls.tmp, "gen")], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        cls.generated_at = time.time()
        cls.generated = os.path.join(cls.tmp, "generated.yml")
        with open(cls.generated, "w", encoding="utf-8") as f:
            f.write(GENERATED_PIPELINE)
        cls.reference = {}

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def reference_run(self, pipeline):
        """`sectorstats run` on the pipeline (once per pipeline), into its own folder."""
        if pipeline not in self.reference:
            out = os.path.join(self.tmp, "run-" + os.path.basename(pipeline))
            subprocess.run([BINARY, "run", pipeline, "--out", out, "--quiet"], check=True)
            self.reference[pipeline] = published(out)
        return self.reference[pipeline]

    def driver(self, pipeline, out, *extra, binary=BINARY):
        timings = os.path.join(self.tmp, "timings-" + os.path.basename(out) + ".json")
        p = subprocess.run([sys.executable, DRIVER, pipeline, "--scheduler", self.scheduler, "--binary", binary,
                            "--out", out, "--timings", timings, *extra],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with open(timings, encoding="utf-8") as f:
            tasks = json.load(f)
        return p, tasks

    def assertSamePublished(self, pipeline, out):
        files, manifest = published(out)
        ref_files, ref_manifest = self.reference_run(pipeline)
        self.assertEqual(sorted(files), sorted(ref_files))
        # The reports carry the time their run published; the tables must be the same bytes.
        for name in ref_files:
            if name.startswith("report."):
                continue
            self.assertEqual(files[name], ref_files[name], f"{name} differs from sectorstats run's")
        ref_manifest = dict(ref_manifest)
        self.assertEqual(manifest["inputs"], ref_manifest["inputs"])
        for k in ("sources", "outputs", "warnings", "unmatched_recipients", "as_of", "pipeline"):
            self.assertEqual(manifest[k], ref_manifest[k], f"manifest {k}")

    def test_cluster_is_on_loopback_only(self):
        addresses = [self.scheduler] + list(self.cluster.scheduler_info["workers"])
        self.assertEqual(len(addresses), 3)
        for a in addresses:
            self.assertTrue(a.startswith("tcp://127.0.0.1:"), a)

    def test_local_workers_whenTheDriverStartsItsOwnCluster_publishesTheSameTables(self):
        # --local-workers: a LocalCluster of the driver's own (on 127.0.0.1, its workers'
        # profiler and monitors slowed), not the test's.
        pipeline = os.path.join(ROOT, "pipelines", "default.yml")
        out = os.path.join(self.tmp, "local")
        timings = os.path.join(self.tmp, "timings-local.json")
        p = subprocess.run([sys.executable, DRIVER, pipeline, "--local-workers", "2", "--buckets", "2", "--binary", BINARY,
                            "--out", out, "--timings", timings], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(timings, encoding="utf-8") as f:
            tasks = json.load(f)
        self.assertEqual(sum(t["task"].startswith("merge --bucket") for t in tasks), 2)
        self.assertTrue(all(t["exit"] == 0 for t in tasks), tasks)
        self.assertSamePublished(pipeline, out)

    def test_bundled_datasets_whenFilesCutIntoRanges(self):
        pipeline = os.path.join(ROOT, "pipelines", "default.yml")
        out = os.path.join(self.tmp, "bundled")
        p, tasks = self.driver(pipeline, out, "--buckets", "3", "--range-bytes", "200000")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(any("--range" in t["task"] for t in tasks))
        self.assertEqual(sum(t["task"].startswith("merge --bucket") for t in tasks), 3)
        self.assertSamePublished(pipeline, out)
        # Again: every partial is reused, the tables are the same.
        p, tasks = self.driver(pipeline, out, "--buckets", "2", "--range-bytes", "200000")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(any(t["task"].startswith("partial") for t in tasks))
        self.assertSamePublished(pipeline, out)

    def test_generated_set_whenSplitIntoFilesAndRanges(self):
        out = os.path.join(self.tmp, "generated")
        p, tasks = self.driver(self.generated, out, "--buckets", "5", "--range-bytes", "600000")
        self.assertEqual(p.returncode, 0, p.stderr)
        ranged = {t["task"].split(" --range")[0] for t in tasks if "--range" in t["task"]}
        self.assertEqual(len(ranged), 3, ranged)  # the three plain funding files; the gzip one stays whole
        self.assertSamePublished(self.generated, out)

    def test_generated_set_whenWorkersAreKilledMidJob(self):
        marks = os.path.join(self.tmp, "marks")
        os.makedirs(marks)
        # A binary that kills the worker process running it: on the first partial and on the
        # first bucket merge (mkdir is the atomic "first").
        wrapper = os.path.join(self.tmp, "killing-sectorstats")
        with open(wrapper, "w", encoding="utf-8") as f:
            f.write(f"""#!/bin/sh
mark=""
case "$1" in
  partial) mark="{marks}/partial" ;;
  merge) case "$*" in *--bucket*) mark="{marks}/bucket" ;; esac ;;
esac
if [ -n "$mark" ] && mkdir "$mark" 2>/dev/null; then kill -9 $PPID; exit 1; fi
exec "{BINARY}" "$@"
""")
        os.chmod(wrapper, 0o755)
        out = os.path.join(self.tmp, "killed")
        p, _ = self.driver(self.generated, out, "--buckets", "3", "--range-bytes", "600000", binary=wrapper)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.isdir(os.path.join(marks, "partial")))
        self.assertTrue(os.path.isdir(os.path.join(marks, "bucket")))
        self.assertSamePublished(self.generated, out)

    def test_plan_keys_areThoseRunLists(self):
        pipeline = os.path.join(ROOT, "pipelines", "default.yml")
        self.reference_run(pipeline)
        with open(os.path.join(self.tmp, "run-default.yml", "stages", "02_normalize", "partials.json"), encoding="utf-8") as f:
            listed = [(e["path"], e["key"]) for e in json.load(f)["entries"]]
        p = subprocess.run([BINARY, "plan", pipeline, "--json"], stdout=subprocess.PIPE, check=True, text=True)
        inputs = json.loads(p.stdout)["inputs"]
        self.assertEqual([(i["path"], i["key"]) for i in inputs], listed)
        # Files not written in the last second carry the stamp their hash was taken under.
        for i in inputs:
            self.assertIsNotNone(i.get("stamp"), i["path"])
            self.assertEqual(int(i["stamp"].split(":")[0]), i["bytes"], i["path"])

    def test_stale_stamps_whenPlanStampsDoNotMatch_partialsHashTheFilesThemselves(self):
        # A plan whose stamps no file has: every partial hashes its file, the same keys come out.
        time.sleep(max(0.0, self.generated_at + 3.5 - time.time()))  # the generated files settled: stamped
        marks = os.path.join(self.tmp, "stale-marks")
        wrapper = os.path.join(self.tmp, "stale-stamps-sectorstats")
        with open(wrapper, "w", encoding="utf-8") as f:
            f.write(f"""#!/bin/sh
if [ "$1" = plan ]; then
  "{BINARY}" "$@" | "{sys.executable}" -c '
import json, sys
p = json.load(sys.stdin)
for i in p["inputs"]:
    if i.get("stamp"):
        size, m, c, ino = i["stamp"].split(":")
        i["stamp"] = ":".join([size, str(int(m) - 1), c, ino])
        open("{marks}", "a").write(i["path"] + "\\n")
json.dump(p, sys.stdout)'
  exit $?
fi
exec "{BINARY}" "$@"
""")
        os.chmod(wrapper, 0o755)
        out = os.path.join(self.tmp, "stale")
        p, tasks = self.driver(self.generated, out, "--buckets", "2", "--range-bytes", "600000", binary=wrapper)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(any("--range" in t["task"] for t in tasks))
        with open(marks, encoding="utf-8") as f:
            self.assertGreaterEqual(len(f.read().split()), 5, "the plan stamped the settled inputs")
        self.assertSamePublished(self.generated, out)

    def test_input_whenChangedWhileTheJobRuns_failsAndPublishesNothing(self):
        folder = os.path.join(self.tmp, "changing")
        os.makedirs(folder)
        changing = os.path.join(folder, "funding_changing.csv")
        shutil.copy(os.path.join(self.tmp, "gen", "funding", "funding_02_utf8_bom_crlf_zh_narrow.csv"), changing)
        time.sleep(3.5)  # settled: the plan stamps it, and its task finds the stamp changed
        pipeline = os.path.join(self.tmp, "changing.yml")
        with open(pipeline, "w", encoding="utf-8") as f:
            f.write(GENERATED_PIPELINE.replace("    - gen/funding/funding_0[1-3]*\n", "    - changing/funding_changing.csv\n"))
        # Its partial's task appends a row to the file before building it (after the plan).
        wrapper = os.path.join(self.tmp, "changing-sectorstats")
        with open(wrapper, "w", encoding="utf-8") as f:
            f.write(f"""#!/bin/sh
case "$*" in partial*funding_changing.csv*) tail -n 1 "{changing}" >> "{changing}" ;; esac
exec "{BINARY}" "$@"
""")
        os.chmod(wrapper, 0o755)
        out = os.path.join(self.tmp, "changing-out")
        p, _ = self.driver(pipeline, out, "--buckets", "2", binary=wrapper)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("funding_changing.csv", p.stderr)
        self.assertIn("changed while the job ran", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "latest")))

    def test_range_whenBoundaryGuessFallsInsideAQuotedField_isRebuiltFromTheRightLine(self):
        # A funder spanning three physical lines, the middle one shaped like a whole record:
        # the boundary guess of the second range lands on it; the first range reads past it.
        folder = os.path.join(self.tmp, "trap")
        os.makedirs(folder)
        with open(os.path.join(ROOT, "datasets", "raw", "funding", "funding_04_utf8_zh.tsv"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        header, rows = lines[0], [l for l in lines[1:201] if l]
        fields = rows[0].split("\t")
        fake = "\t".join(f"FAKE{i}" for i in range(len(fields)))
        fields[0], fields[4] = "TRAP-1", '"某公司' + "很长的名字" * 60 + "\n" + fake + '\n备注"'
        trap = "\t".join(fields)
        for after in range(1, 200):
            text = "\n".join([header] + rows[:100] + [trap] + rows[100:100 + after]) + "\n"
            data = text.encode("utf-8")
            start = data.index("TRAP-1".encode())
            middle = len(data) // 2
            if start < middle < data.index(b"\n", start):
                break
        else:
            self.fail("no split lands inside the trap row")
        with open(os.path.join(folder, "funding_trap.tsv"), "wb") as f:
            f.write(data)
        pipeline = os.path.join(self.tmp, "trap.yml")
        with open(pipeline, "w", encoding="utf-8") as f:
            f.write(GENERATED_PIPELINE.replace("    - gen/funding/funding_0[1-3]*\n", "    - path: trap/funding_trap.tsv\n      delimiter: tab\n"))
        out = os.path.join(self.tmp, "trap-out")
        p, tasks = self.driver(pipeline, out, "--buckets", "2", "--range-bytes", str(len(data) // 2 + 1))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(any("funding_trap.tsv --range" in t["task"] and "@" in t["task"] for t in tasks), tasks)
        self.assertSamePublished(pipeline, out)

    def test_failed_shard_whenFileMissesColumns_exits65AndPublishesNothing(self):
        bad = os.path.join(self.tmp, "bad")
        os.makedirs(bad)
        with open(os.path.join(bad, "funding_broken.csv"), "w", encoding="utf-8") as f:
            f.write("foo,bar\n1,2\n")
        pipeline = os.path.join(self.tmp, "bad.yml")
        with open(pipeline, "w", encoding="utf-8") as f:
            f.write(GENERATED_PIPELINE.replace("    - path: gen/funding/funding_04_utf8_zh.tsv\n      delimiter: tab\n",
                                               "    - bad/funding_broken.csv\n"))
        out = os.path.join(self.tmp, "bad-out")
        p, _ = self.driver(pipeline, out, "--buckets", "2")
        self.assertEqual(p.returncode, 65, p.stderr)
        self.assertIn("funding_broken.csv", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "latest")))

    def test_combine_whenAnotherRunHoldsTheLock_exits75AndPublishesNothing(self):
        import fcntl

        out = os.path.join(self.tmp, "locked")
        os.makedirs(out)
        with open(os.path.join(out, ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            p, _ = self.driver(os.path.join(ROOT, "pipelines", "default.yml"), out, "--buckets", "2")
        self.assertEqual(p.returncode, 75, p.stderr)
        self.assertIn("combine", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "latest")))

    def test_usage_whenBadFlag_exits64(self):
        for buckets in ("0", "65"):  # a bucket is a set of the 64 record-id shards
            p = subprocess.run([sys.executable, DRIVER, "pipelines/default.yml", "--buckets", buckets],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(p.returncode, 64, p.stderr)


def main():
    global BINARY
    if len(sys.argv) > 2 and sys.argv[1] == "--binary":
        BINARY = os.path.abspath(sys.argv[2])
    try:
        import distributed  # noqa: F401
    except ImportError:
        print(f"the Dask driver's tests need its requirements: {sys.executable} -m pip install -r scale/requirements.txt")
        if os.environ.get("REQUIRE_DASK") == "1":
            print("0 passed, 1 failed")
            return 1
        print("0 passed, 0 failed (skipped)")
        return 0
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(DaskDriverTests)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
