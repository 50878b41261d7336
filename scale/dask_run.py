#!/usr/bin/env python3
"""Run a sectorstats pipeline on a Dask cluster: the same tables as `sectorstats run`.

    python3 scale/dask_run.py PIPELINE.yml [--scheduler tcp://HOST:PORT | --local-workers N]
        [--buckets K] [--binary PATH] [--out DIR] [--range-bytes N] [--as-of DATE]

The pipeline file is resolved by the binary (`sectorstats plan --json`): this driver never
reads YAML or expands globs. Then, with every task a run of the same binary:

  map      one `sectorstats partial` per input file, and per byte range of a plain file
           larger than --range-bytes, into OUT/stages/partials (a partial already there
           under its key is reused);
  reduce   K `sectorstats merge --bucket i/K --state-out F`: the registry and the funding
           rows of one record-id bucket each, so no process holds every record id;
  combine  one `sectorstats merge --state F...` that publishes OUT/latest/ atomically,
           under the output folder's lock, as `run` does.

Workers and the client must see the same paths (a shared folder for the inputs, OUT and
the binary's reference tables). A task whose process fails (exit 1, a killed worker) is
retried by Dask; a partial written twice is harmless (atomic, keyed). A shard that fails
for good fails the job with the file and the binary's message, and nothing is published.
Exit codes follow the binary's: 0 success, 1 runtime failure, 64 usage error, 65 input data
refused, 75 another run holds the output folder's lock.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_DATA, EXIT_LOCKED = 0, 1, 64, 65, 75
# Exit codes that a retry cannot change: returned to the driver, not raised for Dask to retry.
FINAL_CODES = (EXIT_USAGE, EXIT_DATA, EXIT_LOCKED)


class DriverError(Exception):
    """A failure of the job: the exit code and a message naming what failed."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class TransientShardError(Exception):
    """A task's binary failed in a way a retry may fix (exit 1, killed): Dask retries it."""


# A bucket is a set of record-id shards: `RecordBucket.shards` in the binary.
MAX_BUCKETS = 64


def run_binary(label, argv):
    """A task: runs the binary; returns (exit code, stdout, stderr, seconds, worker pid, start
    time since the epoch).

    Exit 0 and the codes in FINAL_CODES are returned; anything else raises, so that Dask
    retries the task (on another worker, if this one died)."""
    at = time.time()
    started = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    if p.returncode == 0 or p.returncode in FINAL_CODES:
        return p.returncode, p.stdout, p.stderr, seconds, os.getpid(), at
    raise TransientShardError(f"{label}: exit {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")


class UsageParser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"dask_run: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def parse_args(argv):
    p = UsageParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pipeline", help="a pipeline file (pipelines/*.yml)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="a running scheduler, tcp://HOST:PORT")
    where.add_argument("--local-workers", type=int, default=None,
                       help="start a LocalCluster on 127.0.0.1 with N worker processes (default 2)")
    p.add_argument("--buckets", type=int, default=None,
                   help=f"record-id buckets of the merge, at most {MAX_BUCKETS} (default: workers)")
    p.add_argument("--binary", default=None, help="the sectorstats binary, at the same path on every worker")
    p.add_argument("--out", default=None, help="output folder (default: the pipeline's)")
    p.add_argument("--as-of", default=None, help="the run's as-of date (default: the pipeline's)")
    p.add_argument("--range-bytes", type=int, default=None,
                   help="split plain files larger than this into byte ranges of about this size")
    p.add_argument("--threads", type=int, default=1, help="threads of each task's binary (default 1)")
    p.add_argument("--retries", type=int, default=2, help="retries of a failing task (default 2)")
    p.add_argument("--timings", default=None, help="write per-task times (JSON) to this file")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    a = p.parse_args(argv)
    for name in ("local_workers", "buckets", "range_bytes", "threads"):
        v = getattr(a, name)
        if v is not None and v < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.retries < 0:
        p.error("--retries must be 0 or more")
    if a.buckets is not None and a.buckets > MAX_BUCKETS:
        p.error(f"--buckets must be at most {MAX_BUCKETS} (the record-id shards a partial stores)")
    return a


def find_binary(given):
    if given:
        return os.path.abspath(given)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(root, ".build", "release", "sectorstats"),
                      os.path.join(root, ".build", "debug", "sectorstats")):
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("sectorstats")
    if found:
        return found
    raise DriverError(EXIT_USAGE, "no sectorstats binary: build it (swift build) or pass --binary PATH")


def start_plan(binary, a):
    """Starts `sectorstats plan` (it hashes every input) while the cluster comes up."""
    argv = [binary, "plan", os.path.abspath(a.pipeline), "--json"]
    if a.out:
        argv += ["--out", os.path.abspath(a.out)]
    if a.as_of:
        argv += ["--as-of", a.as_of]
    if a.range_bytes:
        argv += ["--range-bytes", str(a.range_bytes)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_plan(proc):
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise DriverError(proc.returncode, f"plan: {err.strip()}")
    return json.loads(out)


class Job:
    """One pipeline run on a Dask client."""

    def __init__(self, client, binary, plan, a, started):
        self.client, self.binary, self.plan, self.a = client, binary, plan, a
        self.timings = []
        self.started = started  # task start times in the timings count from here
        self.log = (lambda *_: None) if a.quiet else (lambda *m: print("dask_run:", *m, file=sys.stderr, flush=True))

    # -- tasks --------------------------------------------------------------------------

    def submit(self, label, argv, priority=0):
        return self.client.submit(run_binary, label, argv, retries=self.a.retries, pure=False, priority=priority,
                                  key=f"sectorstats-{label.split(' ')[0]}-{uuid.uuid4().hex}")

    def gather(self, labelled):
        """Waits for (label, future) pairs; returns their stdout by label, or raises the first
        failure with the file and the binary's message (after every task has ended)."""
        from distributed import wait

        wait([f for _, f in labelled])
        failure = None
        outputs = {}
        for label, f in labelled:
            try:
                code, out, err, seconds, pid, at = f.result()
            except Exception as e:  # a task that failed for good (retries spent, worker lost)
                failure = failure or DriverError(EXIT_FAILURE, f"{label}: {e}")
                continue
            self.timings.append({"task": label, "seconds": round(seconds, 3), "worker_pid": pid, "exit": code,
                                 "start": round(at - self.started, 3)})
            if code != 0:
                failure = failure or DriverError(code, f"{label}: {err.strip()}")
                continue
            outputs[label] = out
        if failure:
            raise failure
        return outputs

    def partial_argv(self, inp, range_spec):
        p = self.plan
        argv = [self.binary, "partial", inp["resolved_path"], "--kind", inp["kind"], "--encoding", inp["encoding"],
                "--delimiter", inp["delimiter"], "--as-of", p["as_of"], "--out", p["partials"],
                "--reference", p["reference"], "--given-path", inp["path"], "--threads", str(self.a.threads)]
        for spelling, field in sorted(inp["aliases"].items()):
            argv += ["--alias", f"{spelling}={field}"]
        if range_spec:
            argv += ["--range", range_spec]
        if inp.get("stamp"):
            # The plan's hash, used while the file keeps the stamp it had when hashed.
            argv += ["--sha256", inp["sha256"], "--stamp", inp["stamp"]]
        return argv

    @staticmethod
    def range_size(spec):
        start, end = spec.split("@")[0].split(":")
        return int(end) - int(start)

    def present(self, key):
        return os.path.exists(os.path.join(self.plan["partials"], key + ".partial", "meta.json"))

    def meta(self, key):
        with open(os.path.join(self.plan["partials"], key + ".partial", "meta.json"), encoding="utf-8") as f:
            return json.load(f)

    # -- stages -------------------------------------------------------------------------

    def map(self):
        """Builds the missing partials; returns per input the keys of its partials, in order."""
        os.makedirs(self.plan["partials"], exist_ok=True)
        shards = []  # (input index, range spec or None, key)
        for n, inp in enumerate(self.plan["inputs"]):
            if inp["ranges"]:
                shards += [(n, r["range"], r["key"]) for r in inp["ranges"]]
            else:
                shards.append((n, None, inp["key"]))
        todo = [(n, r, k) for n, r, k in shards if not self.present(k)]
        self.log(f"map: {len(shards)} partials, {len(shards) - len(todo)} reused, {len(todo)} to build")
        labelled = []
        for n, r, k in todo:
            inp = self.plan["inputs"][n]
            label = f"partial {inp['path']}" + (f" --range {r}" if r else "")
            # Larger inputs first (a higher priority runs earlier), so that the map does not
            # end with one large task while the other workers wait.
            size = self.range_size(r) if r else inp.get("bytes", 0)
            labelled.append((label, self.submit(label, self.partial_argv(inp, r), priority=size)))
        self.gather(labelled)
        # In task order (two inputs may share a label: one path read with other aliases).
        for (n, r, k), (label, future) in zip(todo, labelled):
            if future.result()[1].strip() != k:
                raise DriverError(EXIT_FAILURE, f"{label}: the file changed while the job ran (its partial's key is not the "
                                                f"planned one); run the job again")
        keys = [[] for _ in self.plan["inputs"]]
        for n, r, k in shards:
            keys[n].append(k)
        for n, inp in enumerate(self.plan["inputs"]):
            if inp["ranges"]:
                keys[n] = self.chain(inp, keys[n])
        return keys

    def chain(self, inp, keys):
        """The range partials of one file, each beginning where the one before it stopped.
        A range whose boundary guess proved wrong is built again from the right line (as
        the parallel reader parses a chunk again); ranges after one that read to the end of
        the file are dropped (their records are in it)."""
        out = []
        stop = None
        for i, key in enumerate(keys):
            bounds = self.meta(key)["range"]["bounds"]
            if i == 0:
                if bounds.get("start_line") != bounds["data_line"]:
                    raise DriverError(EXIT_FAILURE, f"partial {inp['path']}: its first range does not begin on the first data line")
            elif stop is None:
                break
            elif bounds.get("start_line") != stop:
                spec = inp["ranges"][i]["range"] + f"@{stop}"
                label = f"partial {inp['path']} --range {spec}"
                self.log(f"map: {label} (the range before it stopped at line {stop})")
                result = self.gather([(label, self.submit(label, self.partial_argv(inp, spec)))])
                key = result[label].strip()
                if self.meta(key)["sha256"] != inp["sha256"]:
                    raise DriverError(EXIT_FAILURE, f"{label}: the file changed while the job ran (the range was rebuilt "
                                                    f"from other bytes than planned); run the job again")
                bounds = self.meta(key)["range"]["bounds"]
            out.append(key)
            stop = bounds.get("stop_line")
        return out

    def merge_argv(self, keys, threads=True):
        p = self.plan
        argv = [self.binary, "merge"]
        for inp, ks in zip(p["inputs"], keys):
            flag = "--registrations-partial" if inp["kind"] == "registrations" else "--funding-partial"
            for k in ks:
                argv += [flag, os.path.join(p["partials"], k + ".partial")]
        argv += ["--as-of", p["as_of"], "--relief-purposes", ",".join(p["relief_purposes"]), "--reference", p["reference"]]
        if threads:
            argv += ["--threads", str(self.a.threads)]
        return argv

    def reduce(self, keys, buckets, folder):
        os.makedirs(folder, exist_ok=True)
        base = self.merge_argv(keys)
        states, labelled = [], []
        for i in range(buckets):
            state = os.path.join(folder, f"bucket-{i}-of-{buckets}.state")
            states.append(state)
            label = f"merge --bucket {i}/{buckets}"
            labelled.append((label, self.submit(label, base + ["--bucket", f"{i}/{buckets}", "--state-out", state])))
        self.log(f"reduce: {buckets} buckets")
        self.gather(labelled)
        return states

    def combine(self, keys, states):
        p = self.plan
        # The combine runs alone: it takes every core of its worker (the binary's default).
        argv = self.merge_argv(keys, threads=False) + ["--out", p["output"], "--name", p["pipeline"],
                                                       "--gzip-level", str(p["gzip_level"])]
        if p.get("max_quarantine_pct") is not None:
            argv += ["--max-quarantine-pct", str(p["max_quarantine_pct"])]
        for s in states:
            argv += ["--state", s]
        label = "merge --state (combine)"
        self.log("combine: publishing")
        return self.gather([(label, self.submit(label, argv))])[label]

    def run(self, buckets):
        started = time.monotonic()
        if self.plan.get("clean_tables"):
            self.log("clean_tables is not published by the driver (sectorstats run publishes it)")
        keys = self.map()
        folder = os.path.join(self.plan["output"], "stages", "buckets", uuid.uuid4().hex)
        try:
            states = self.reduce(keys, buckets, folder)
            published = self.combine(keys, states)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.log(published.strip(), f"({time.monotonic() - started:.2f} s)")
        return published


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.time()
    cluster = client = None
    try:
        binary = find_binary(a.binary)
        planning = start_plan(binary, a)
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise DriverError(EXIT_FAILURE, f"dask.distributed is not installed: {sys.executable} -m pip install -r scale/requirements.txt")

        if a.scheduler:
            client = Client(a.scheduler)
        else:
            # The tasks are processes of their own: the workers' sampling profiler (every
            # 10 ms) and frequent health checks would only spend the cores the tasks need
            # (about 1 s of CPU over a 15 s job). A cluster of one's own keeps its settings.
            import dask

            dask.config.set({"distributed.worker.profile.enabled": False,
                             "distributed.admin.tick.interval": "1s",
                             "distributed.admin.system-monitor.interval": "2s",
                             "distributed.worker.memory.monitor-interval": "1s"})
            # Tests and single machines: bound to the loopback interface only.
            cluster = LocalCluster(host="127.0.0.1", n_workers=a.local_workers or 2, threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            client = Client(cluster)
        p = finish_plan(planning)
        workers = len(client.scheduler_info().get("workers", {})) or 1
        job = Job(client, binary, p, a, started)
        try:
            job.run(a.buckets or min(workers, MAX_BUCKETS))
        finally:
            if a.timings:
                with open(a.timings, "w", encoding="utf-8") as f:
                    json.dump(job.timings, f, indent=1)
        return EXIT_OK
    except DriverError as e:
        print(f"dask_run: error: {e}", file=sys.stderr)
        print("dask_run: nothing was published", file=sys.stderr)
        return e.code if e.code in (EXIT_FAILURE, EXIT_USAGE, EXIT_DATA, EXIT_LOCKED) else EXIT_FAILURE
    except OSError as e:
        print(f"dask_run: error: {e}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    code = main()
    # Everything is closed by now (cluster, client, files); skip the interpreter's teardown
    # of dask's modules and threads, a tenth of a second at every exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
