// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sectorstats",
    products: [
        .executable(name: "sectorstats", targets: ["sectorstats"]),
        .library(name: "SectorStats", targets: ["SectorStats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // libcsv-dev ships no pkg-config file: the module map links "csv" directly.
        .systemLibrary(
            name: "CCSV",
            path: "Sources/CCSV",
            providers: [.apt(["libcsv-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The workbook writer of `sectorstats report`; only Sources/SectorStats/Report imports it.
        .systemLibrary(
            name: "CXlsxWriter",
            path: "Sources/CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        .target(
            name: "SectorStats",
            dependencies: [
                "CCSV", "CZlib", "CXlsxWriter",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: [
                // Dynamic exclusivity checks cost ~3% of a full run (profiled); the core's
                // shared mutable state is confined to one thread per chunk by design.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
            ]
        ),
        // Synthetic exports and their ground truth, for tests and benchmarks: not part of
        // the pipeline library.
        .target(
            name: "SectorStatsGenerate",
            dependencies: ["SectorStats"]
        ),
        .executableTarget(
            name: "sectorstats",
            dependencies: [
                "SectorStats", "SectorStatsGenerate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SectorStatsTests",
            dependencies: ["SectorStats", "SectorStatsGenerate"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
