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
        .target(
            name: "SectorStats",
            dependencies: ["CCSV", "CZlib"]
        ),
        .executableTarget(
            name: "sectorstats",
            dependencies: [
                "SectorStats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SectorStatsTests",
            dependencies: ["SectorStats"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
