import Foundation
import XCTest

/// Runs the built `sectorstats` binary (end-to-end tests, as a user or cron would).
enum CLI {
    static let binary = Fixtures.repoRoot + "/.build/debug/sectorstats"

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ args: [String], in dir: String, environment: [String: String] = [:]) throws -> Result {
        let p = try start(args, in: dir, environment: environment)
        return try p.wait()
    }

    final class Running {
        let process: Process
        let out: Pipe
        let err: Pipe
        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            self.out = out
            self.err = err
        }

        func wait() throws -> Result {
            // Both pipes are drained at once: reading one to its end first would deadlock
            // once the child fills the other's buffer.
            let group = DispatchGroup()
            let errBox = DataBox()
            let handle = err.fileHandleForReading
            DispatchQueue.global().async(group: group) { errBox.data = handle.readDataToEndOfFile() }
            let o = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            let e = errBox.data
            process.waitUntilExit()
            return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
        }
    }

    /// Data written by one thread and read by another after a `DispatchGroup` wait.
    ///
    /// `@unchecked Sendable` is safe because: `data` is written once by the reading block and
    /// read only after `group.wait()`, which happens-after that block returned.
    final class DataBox: @unchecked Sendable {
        var data = Data()
    }

    static func start(_ args: [String], in dir: String, environment: [String: String] = [:]) throws -> Running {
        let p = Process()
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return Running(process: p, out: out, err: err)
    }

    /// A project folder with the every-defect fixtures (UTF-8) as registrations.csv and, unless
    /// `copyFunding` is false, funding.csv, and p.yml naming both and writing to out/
    /// (`extraKeys`: more pipeline-file lines).
    static func fixtureProject(name: String, extraKeys: String = "", copyFunding: Bool = true) throws -> Workdir {
        let dir = try Workdir()
        try FileManager.default.copyItem(atPath: Fixtures.path("normalize/registrations_every_defect_utf8.csv"), toPath: dir.path + "/registrations.csv")
        if copyFunding {
            try FileManager.default.copyItem(atPath: Fixtures.path("normalize/funding_every_defect_utf8.csv"), toPath: dir.path + "/funding.csv")
        }
        _ = try dir.file("p.yml", """
            version: 1
            name: \(name)
            as_of: 2021-12-31
            output: out
            \(extraKeys)
            sources:
              registrations: [registrations.csv]
              funding: [funding.csv]

            """)
        return dir
    }

    /// A funding export large enough that a run is still building its stages a moment after
    /// it starts (for the tests that stop a run mid-stage).
    static let slowFunding: String = {
        var text = "记录编号,受赠组织统一社会信用代码,资金来源,金额,捐赠日期,用途\n"
        for i in 0..<400_000 { text += "B\(i),53420000MJ0003B24T,企业捐赠,\(i % 1000 + 1).5万,2020-0\(i % 9 + 1)-15,救灾\n" }
        return text
    }()

    /// Waits (up to 60 s) until the run `p` is building a stage (its temporary folder under
    /// `stages` exists); false when the run ended first.
    static func waitUntilBuilding(_ p: Running, stages: String) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && p.process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: stages)) ?? []
            if names.contains(where: { $0.hasPrefix(".tmp-") }) { return true }
            usleep(5_000)
        }
        return false
    }
}
