import Foundation
import Synchronization
import XCTest
@testable import SectorStats

/// The gate between a stop by signal and the steps that change OUT (``StopGate``).
final class StopGateTests: XCTestCase {
    func testRequestStop_waitsForTheStepUnderWay_andReportsWhetherTheRunCompleted() {
        let gate = StopGate()
        let events = Mutex<[String]>([])
        let inStep = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            gate.step {
                inStep.signal()
                usleep(200_000)
                events.withLock { $0.append("step ended") }
                gate.markCompleted(run: "20261205T000000Z-1")
            }
            done.signal()
        }
        inStep.wait()
        let outcome = gate.requestStop()
        events.withLock { $0.append("stop returned") }
        done.wait()
        XCTAssertEqual(events.withLock { $0 }, ["step ended", "stop returned"])
        XCTAssertEqual(outcome, .completed(run: "20261205T000000Z-1"))
        XCTAssertTrue(gate.stopRequested)
    }

    func testRequestStop_whenNoStepIsUnderWayAndNothingCompleted_isStoppedAtOnce() {
        let gate = StopGate()
        gate.step { }  // a step that ended
        XCTAssertFalse(gate.stopRequested)
        XCTAssertEqual(gate.requestStop(), .stopped)
    }

    func testSteps_nestOnOneThread() {
        let gate = StopGate()
        let value = gate.step { gate.step { 41 } + 1 }
        XCTAssertEqual(value, 42)
        XCTAssertEqual(gate.requestStop(), .stopped, "the nested steps all ended")
    }
}
