// swift-tools-version:6.0
// libFuzzer targets for sectorstats (issue 18). A package of its own so that the fuzzer
// flags never reach the main build: `make fuzz` / `make fuzz-smoke` build it with
// `-sanitize=fuzzer,address -parse-as-library` (libFuzzer brings main).
import PackageDescription

let package = Package(
    name: "sectorstats-fuzz",
    dependencies: [
        .package(name: "sectorstats", path: ".."),
    ],
    targets: [
        // The entry point SwiftPM expects (sectorstats_fuzz_main), calling libFuzzer's driver.
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "sectorstats-fuzz",
            dependencies: ["CFuzzDriver", .product(name: "SectorStats", package: "sectorstats")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
