import Foundation
import XCTest
@testable import SectorStats

#if canImport(Glibc)
import Glibc
#endif

/// Publication under cron (issue 18): all-or-nothing under SIGTERM at any moment and under a
/// full disk at any write; what the exit code, the message, `status.json` and `latest` say
/// always agree; a broken `latest` is repaired by the next run; nothing outside OUT is
/// written or deleted through a link; inputs that are not regular files are refused.
final class PublicationTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }

    /// A project with generated exports under data/ and pipelines/p.yml writing to `out`
    /// (relative to pipelines/, or absolute).
    private func project(orgs: Int = 3000, funding: Int = 20_000, out: String = "../out") throws -> Workdir {
        let dir = try Workdir()
        let g = try CLI.run(["generate", "--orgs", "\(orgs)", "--funding", "\(funding)", "--out", dir.path + "/data", "--seed", "7"],
                            in: dir.path)
        XCTAssertEqual(g.status, 0, g.stderr)
        try FileManager.default.createDirectory(atPath: dir.path + "/pipelines", withIntermediateDirectories: true)
        _ = try dir.file("pipelines/p.yml", """
            version: 1
            name: p
            as_of: 2021-12-31
            output: \(out)
            threads: 2
            sources:
              registrations:
                - ../data/registrations/*.csv
              funding:
                - ../data/funding/*.csv

            """)
        return dir
    }

    private func args(_ extra: [String] = []) -> [String] {
        ["run", "pipelines/p.yml", "--reference", reference, "--log-format", "json"] + extra
    }

    /// The run folder `latest` points to (its id), or nil when there is no `latest`.
    private func latest(_ out: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: out + "/latest")).map { String($0.dropFirst("runs/".count)) }
    }

    /// The published tables (gzip bytes, which are deterministic) by name.
    private func tables(_ out: String) throws -> [String: Data] {
        var t: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: out + "/latest") where f.hasSuffix(".csv.gz") {
            t[f] = try Data(contentsOf: URL(fileURLWithPath: out + "/latest/" + f))
        }
        return t
    }

    /// What a reader and `sectorstats status` see agree: `latest` points to a run folder whose
    /// manifest lists outputs that are all there with their recorded SHA-256, and
    /// `status.json` names that folder. Returns the run id.
    @discardableResult
    private func assertConsistent(_ out: String, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws -> String? {
        guard let id = latest(out) else {
            XCTFail("no latest (\(context))", file: file, line: line)
            return nil
        }
        let folder = out + "/runs/" + id
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")))
        XCTAssertFalse(manifest.outputs.isEmpty, context, file: file, line: line)
        for o in manifest.outputs {
            XCTAssertEqual(try? ContentHash.file(folder + "/" + o.file).sha256, o.sha256, "latest/\(o.file) (\(context))", file: file, line: line)
        }
        let status = try JSONDecoder().decode(RunStatus.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/status.json")))
        XCTAssertEqual(status.published.map { URL(fileURLWithPath: $0).lastPathComponent }, id,
                       "status.json names the run latest shows (\(context))", file: file, line: line)
        return id
    }

    private func assertNoLeftovers(_ out: String, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        for folder in [out, out + "/runs", out + "/stages", out + "/stages/partials"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            XCTAssertEqual(names.filter { $0.hasPrefix(".tmp-") || $0.hasPrefix(".latest-") || $0.hasPrefix(".prune-") || $0.hasPrefix(".old-") },
                           [], "\(folder) (\(context))", file: file, line: line)
        }
    }

    /// The stage of the last "running" line of a JSON log.
    private func lastStageRunning(_ stderr: String) -> String? {
        var stage: String?
        for line in stderr.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  obj["message"] as? String == "running" else { continue }
            stage = obj["stage"] as? String
        }
        return stage
    }

    // MARK: - SIGTERM at any moment

    func testSIGTERM_atRandomMomentsInEveryStage_latestIsAlwaysCompleteAndAgreesWithStatusAndTheExitCode() throws {
        let dir = try project()
        let out = dir.path + "/out"
        let first = try CLI.run(args(), in: dir.path)
        XCTAssertEqual(first.status, 0, first.stderr)
        let expected = try tables(out)
        XCTAssertEqual(expected.count, 6, "five tables and the quarantine")
        // Each kind of run, timed uninterrupted: the signals are spread over its whole length.
        let modes: [[String]] = [["--force"], ["--from", "aggregate"], ["--stage", "export", "--force"], ["--stage", "export", "--force"]]
        var durations: [Double] = []
        for m in modes {
            let t0 = Date()
            XCTAssertEqual(try CLI.run(args(m), in: dir.path).status, 0)
            durations.append(Date().timeIntervalSince(t0))
        }
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        var rng = SplitMix64(seed: seed)
        var (kills, attempts, stopped, completedAnyway, beforeHandler) = (0, 0, 0, 0, 0)
        var stagesHit: [String: Int] = [:]
        while kills < 200 && attempts < 800 {
            attempts += 1
            let mode = attempts % modes.count
            let context = "attempt \(attempts), \(modes[mode].joined(separator: " ")), seed \(seed)"
            let before = latest(out)
            let p = try CLI.start(args(modes[mode]), in: dir.path)
            usleep(UInt32(Double.random(in: 0...(durations[mode] * 1.1), using: &rng) * 1_000_000))
            let hit = p.process.isRunning
            kill(p.process.processIdentifier, SIGTERM)
            let r = try p.wait()
            if hit { kills += 1 }
            let lastLine = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
            if p.process.terminationReason == .uncaughtSignal {
                // Before the handler was installed: nothing had started.
                XCTAssertEqual(r.status, SIGTERM, context)
                XCTAssertEqual(latest(out), before, context)
                beforeHandler += 1
            } else if r.status == 128 + SIGTERM {
                stopped += 1
                stagesHit[lastStageRunning(r.stderr) ?? "startup", default: 0] += 1
                XCTAssertEqual(latest(out), before, "stopped before publication: latest unchanged (\(context))")
                XCTAssertTrue(lastLine.contains("stopped by signal 15") && lastLine.contains("published outputs unchanged"),
                              "the stop's message is the last line (\(context)): \(r.stderr)")
            } else {
                XCTAssertEqual(r.status, 0, "\(context): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("stopped by signal"), "exit 0 never says stopped (\(context))")
                if r.stderr.contains("arrived after the run had completed") { completedAnyway += 1 }
                let status = try JSONDecoder().decode(RunStatus.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/status.json")))
                XCTAssertEqual(status.outcome, "success", context)
            }
            try assertConsistent(out, context)
            XCTAssertEqual(try tables(out), expected, context)
            if attempts % 8 == 0 {
                // A plain run afterwards finds everything fresh or repairs it, and cleans up.
                let next = try CLI.run(args(), in: dir.path)
                XCTAssertEqual(next.status, 0, "\(context): \(next.stderr)")
                try assertConsistent(out, context + ", then a plain run")
                XCTAssertEqual(try tables(out), expected, context)
                assertNoLeftovers(out, context)
            }
        }
        XCTAssertGreaterThanOrEqual(kills, 200, "signals that reached a running run")
        // (Ingest hashes 4.5 MB here, a few milliseconds: it is hit now and then, not always.)
        for s in ["normalize", "aggregate", "export"] {
            XCTAssertGreaterThan(stagesHit[s] ?? 0, 0, "stops while \(s) ran: \(stagesHit), seed \(seed)")
        }
        print("SIGTERM: \(kills) kills in \(attempts) runs: \(stopped) stopped (by stage \(stagesHit)), \(completedAnyway) completed first, \(beforeHandler) before the handler")
    }

    func testSIGHUP_stopsLikeSIGTERM_unlessIgnoredFromTheStartAsUnderNohup() throws {
        let dir = try project()
        let out = dir.path + "/out"
        XCTAssertEqual(try CLI.run(args(), in: dir.path).status, 0)
        let before = latest(out)
        let p = try CLI.start(args(["--force"]), in: dir.path)
        XCTAssertTrue(CLI.waitUntilBuilding(p, stages: out + "/stages"), "the run finished before it could be stopped")
        kill(p.process.processIdentifier, SIGHUP)
        let r = try p.wait()
        XCTAssertEqual(r.status, 128 + SIGHUP, r.stderr)
        XCTAssertTrue(r.stderr.split(separator: "\n").last?.contains("stopped by signal 1") ?? false, r.stderr)
        XCTAssertEqual(latest(out), before)
        // Under nohup the hangup is ignored: the run completes and publishes.
        let nohup = Process()
        nohup.executableURL = URL(fileURLWithPath: "/usr/bin/nohup")
        nohup.arguments = [CLI.binary] + args(["--force"])
        nohup.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        nohup.standardOutput = FileHandle.nullDevice
        nohup.standardError = FileHandle.nullDevice
        try nohup.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: out + "/stages/.tmp-02_normalize-\(nohup.processIdentifier)") && nohup.isRunning {
            usleep(2_000)
        }
        XCTAssertTrue(nohup.isRunning, "the run finished before the hangup")
        kill(nohup.processIdentifier, SIGHUP)
        nohup.waitUntilExit()
        XCTAssertEqual(nohup.terminationStatus, 0)
        XCTAssertNotEqual(latest(out), before)
        try assertConsistent(out, "after a run under nohup")
    }

    // MARK: - A full disk at any write

    /// Leaves about `bytes` free on the file system of `folder` (a filler file); returns its path.
    private func fill(_ folder: String, leaving bytes: Int64) throws -> String {
        let path = folder + "/filler"
        var s = statvfs()
        XCTAssertEqual(statvfs(folder, &s), 0)
        let free = Int64(s.f_bavail) * Int64(s.f_frsize)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        if free > bytes { XCTAssertEqual(posix_fallocate(fd, 0, off_t(free - bytes)), 0) }
        return path
    }

    func testENOSPC_atEveryWriteOfARun_latestIsCompleteAndAgreesWithStatusAndTheExitCode() throws {
        try XCTSkipUnless(getuid() == 0, "needs root to mount a small file system")
        let mount = try Workdir()
        let fs = mount.path + "/fs"
        try FileManager.default.createDirectory(atPath: fs, withIntermediateDirectories: true)
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
        mounted.arguments = ["-t", "tmpfs", "-o", "size=64m", "tmpfs", fs]
        try mounted.run()
        mounted.waitUntilExit()
        try XCTSkipUnless(mounted.terminationStatus == 0, "cannot mount a tmpfs here")
        defer {
            let u = Process()
            u.executableURL = URL(fileURLWithPath: "/bin/umount")
            u.arguments = [fs]
            try? u.run()
            u.waitUntilExit()
        }
        let dir = try project(orgs: 1000, funding: 5000, out: fs + "/out")
        let out = fs + "/out"
        let first = try CLI.run(args(), in: dir.path)
        XCTAssertEqual(first.status, 0, first.stderr)
        let expected = try tables(out)
        // From no space at all up to enough, in steps of a page (export) or a few (a whole run).
        for (mode, step) in [(["--stage", "export", "--force"], Int64(4096)), (["--force"], Int64(24_576))] {
            var (free, successes, failures) = (Int64(0), 0, 0)
            while successes < 3 && free < 16 << 20 {
                let context = "\(mode.joined(separator: " ")) with \(free) bytes free"
                let before = latest(out)
                let filler = try fill(fs, leaving: free)
                let r = try CLI.run(args(mode), in: dir.path)
                unlink(filler)
                if r.status == 0 {
                    successes += 1
                    XCTAssertNotEqual(latest(out), before, "a run that succeeds publishes (\(context))")
                    let status = try JSONDecoder().decode(RunStatus.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/status.json")))
                    XCTAssertEqual(status.outcome, "success", context)
                } else {
                    failures += 1
                    XCTAssertEqual(r.status, 1, "\(context): \(r.stderr)")
                    XCTAssertTrue(r.stderr.contains("no space left on the device") || r.stderr.contains("No space left on device"), "\(context): \(r.stderr)")
                    XCTAssertEqual(latest(out), before, "a run that fails publishes nothing (\(context))")
                }
                try assertConsistent(out, context)
                XCTAssertEqual(try tables(out), expected, context)
                // With space again, a plain run completes whatever was left and cleans up.
                let next = try CLI.run(args(), in: dir.path)
                XCTAssertEqual(next.status, 0, "\(context), then a plain run: \(next.stderr)")
                try assertConsistent(out, context + ", then a plain run")
                XCTAssertEqual(try tables(out), expected, context)
                assertNoLeftovers(out, context)
                free += step
            }
            XCTAssertEqual(successes, 3, "\(mode): the runs succeed once there is space")
            XCTAssertGreaterThan(failures, 5, "\(mode): the sweep met a full disk at many writes")
        }
    }

    // MARK: - A broken latest is repaired

    func testRun_whenLatestLosesATableOrItsLink_theNextRunRepublishes_andStagesSaysWhy() throws {
        let dir = try project(orgs: 500, funding: 2000)
        let out = dir.path + "/out"
        XCTAssertEqual(try CLI.run(args(), in: dir.path).status, 0)
        let expected = try tables(out)
        let run = try XCTUnwrap(latest(out))
        try FileManager.default.removeItem(atPath: out + "/runs/" + run + "/top_funders.csv.gz")
        let stages = try CLI.run(["stages", "--pipeline", "pipelines/p.yml", "--reference", reference], in: dir.path)
        XCTAssertTrue(stages.stdout.contains("latest/top_funders.csv.gz is missing"), stages.stdout + stages.stderr)
        let repaired = try CLI.run(args(), in: dir.path)
        XCTAssertEqual(repaired.status, 0, repaired.stderr)
        XCTAssertEqual(lastStageRunning(repaired.stderr), "export")
        try assertConsistent(out, "after a table was deleted")
        XCTAssertEqual(try tables(out), expected)
        // The link itself gone.
        try FileManager.default.removeItem(atPath: out + "/latest")
        let relinked = try CLI.run(args(), in: dir.path)
        XCTAssertEqual(relinked.status, 0, relinked.stderr)
        try assertConsistent(out, "after latest was deleted")
        XCTAssertEqual(try tables(out), expected)
        // And then nothing is left to do.
        let again = try CLI.run(args(), in: dir.path)
        XCTAssertNil(lastStageRunning(again.stderr), again.stderr)
    }

    // MARK: - Links inside OUT are never followed

    /// Every file under `folder` with its bytes (links as their target), for "untouched" checks.
    private func snapshot(_ folder: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: folder)
        while let rel = e?.nextObject() as? String {
            let p = folder + "/" + rel
            if let t = try? FileManager.default.destinationOfSymbolicLink(atPath: p) { out[rel] = Data(("-> " + t).utf8) }
            else if let d = FileManager.default.contents(atPath: p) { out[rel] = d }
            else { out[rel] = Data() }
        }
        return out
    }

    private func someoneElsesFolder() throws -> Workdir {
        let w = try Workdir()
        for (name, text) in [("0000/a.txt", "a"), ("2019-data/b.csv", "b,c\n"), ("notes.txt", "keep me")] {
            try FileManager.default.createDirectory(atPath: w.path + "/" + (name as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = try w.file(name, text)
        }
        return w
    }

    func testOutEntryIsALink_theRunIsRefusedAndNothingOutsideIsWrittenOrDeleted() throws {
        let dir = try project(orgs: 300, funding: 1000)
        let out = dir.path + "/out"
        for entry in ["runs", "stages", ".lock", "status.json", "stages/partials", "stages/03_aggregate"] {
            try? FileManager.default.removeItem(atPath: out)
            try FileManager.default.createDirectory(atPath: entry.hasPrefix("stages/") ? out + "/stages" : out, withIntermediateDirectories: true)
            let elsewhere = try someoneElsesFolder()
            let target = entry == ".lock" || entry == "status.json" ? elsewhere.path + "/notes.txt" : elsewhere.path
            try FileManager.default.createSymbolicLink(atPath: out + "/" + entry, withDestinationPath: target)
            let before = snapshot(elsewhere.path)
            let r = try CLI.run(args(), in: dir.path)
            XCTAssertEqual(r.status, 1, "\(entry): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("OUT/\(entry) is a symbolic link"), "\(entry): \(r.stderr)")
            XCTAssertEqual(snapshot(elsewhere.path), before, "\(entry): nothing outside OUT changed")
            XCTAssertNil(latest(out), entry)
        }
    }

    func testLatestIsNotOurLink_theRunIsRefusedAndItIsLeftAlone() throws {
        let dir = try project(orgs: 300, funding: 1000)
        let out = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: out + "/latest", withIntermediateDirectories: true)
        _ = try dir.file("out/latest/mine.txt", "mine")
        let r = try CLI.run(args(), in: dir.path)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("is not the link to runs/<run-id> that sectorstats makes"), r.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: out + "/latest/mine.txt"), Data("mine".utf8))
    }

    func testPrune_removesOnlyTheRunFoldersItMade() throws {
        let dir = try project(orgs: 300, funding: 1000)
        let out = dir.path + "/out"
        let elsewhere = try someoneElsesFolder()
        try FileManager.default.createDirectory(atPath: out + "/runs", withIntermediateDirectories: true)
        // Not runs of ours: other names, a run-like name without a manifest, a link with a run's name.
        for name in ["0000", "2019-data", "20000101T000000Z-1"] {
            try FileManager.default.createDirectory(atPath: out + "/runs/" + name, withIntermediateDirectories: true)
            _ = try dir.file("out/runs/\(name)/keep.txt", name)
        }
        try FileManager.default.createSymbolicLink(atPath: out + "/runs/20000101T000000Z-2", withDestinationPath: elsewhere.path)
        let before = snapshot(elsewhere.path)
        var published: [String] = []
        for i in 0..<7 {
            let r = try CLI.run(args(i == 0 ? [] : ["--stage", "export", "--force"]), in: dir.path)
            XCTAssertEqual(r.status, 0, r.stderr)
            published.append(try XCTUnwrap(latest(out)))
            usleep(1_100_000 / 2)
        }
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: out + "/runs"))
        XCTAssertEqual(names.intersection(published), Set(published.suffix(5)), "the newest five runs are kept")
        for name in ["0000", "2019-data", "20000101T000000Z-1"] {
            XCTAssertEqual(FileManager.default.contents(atPath: out + "/runs/\(name)/keep.txt"), Data(name.utf8), name)
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/runs/20000101T000000Z-2"), elsewhere.path)
        XCTAssertEqual(snapshot(elsewhere.path), before)
    }

    // MARK: - Inputs that are not regular files

    func testInputIsAFIFO_itIsRefusedAtOnceWithExit1_andTheNextRunIsNotLockedOut() throws {
        let dir = try project(orgs: 300, funding: 1000)
        let fifo = dir.path + "/data/registrations/more.csv"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        for command in [args(), ["inspect", fifo], ["partial", fifo, "--kind", "registrations", "--out", dir.path + "/partials"]] {
            let p = try CLI.start(command, in: dir.path)
            let deadline = Date().addingTimeInterval(30)
            while p.process.isRunning && Date() < deadline { usleep(10_000) }
            if p.process.isRunning {
                kill(p.process.processIdentifier, SIGKILL)
                XCTFail("\(command[0]) hangs on a FIFO")
            }
            let r = try p.wait()
            XCTAssertEqual(r.status, 1, "\(command[0]): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("more.csv") && r.stderr.contains("is a FIFO (named pipe), not a regular file"), "\(command[0]): \(r.stderr)")
        }
        unlink(fifo)
        let r = try CLI.run(args(), in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
    }
}
