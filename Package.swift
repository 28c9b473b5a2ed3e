// swift-tools-version:6.0
import PackageDescription

// GeoPairs: co-registered multi-sensor patch datasets. No SwiftPM package dependencies: the
// toolchain plus three system libraries (GDAL, zstd, OpenBLAS) bound through pkg-config.
let package = Package(
    name: "GeoPairs",
    products: [
        .library(name: "GeoRaster", targets: ["GeoRaster"]),
        .library(name: "ShardFormat", targets: ["ShardFormat"]),
        .library(name: "ShardInspection", targets: ["ShardInspection"]),
        .library(name: "CLICore", targets: ["CLICore"]),
        .library(name: "DatasetBuilder", targets: ["DatasetBuilder"]),
        .library(name: "PairLoader", targets: ["PairLoader"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "MSADTrainer", targets: ["MSADTrainer"]),
        // The C interface (Sources/GeoPairsC/geopairs.h) that the Python package binds.
        .library(name: "GeoPairsC", type: .dynamic, targets: ["GeoPairsC"]),
        .executable(name: "inspect-shards", targets: ["inspect-shards"]),
        .executable(name: "build-dataset", targets: ["build-dataset"]),
        .executable(name: "train-msad", targets: ["train-msad"]),
    ],
    targets: [
        .systemLibrary(
            name: "CGDAL", path: "Sources/CGDAL", pkgConfig: "gdal",
            providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),

        .target(name: "GeoValues"),
        .target(name: "GeoRaster", dependencies: ["CGDAL", "GeoValues"]),
        .target(name: "ShardFormat", dependencies: ["CZstd", "GeoValues"]),
        .target(name: "CLICore"),
        // Datasets in buckets: GDAL's virtual file systems behind ShardFormat's DatasetStorage, so
        // that ShardFormat and PairLoader themselves never link GDAL.
        .target(name: "ObjectStore", dependencies: ["GeoRaster", "ShardFormat"]),
        .target(name: "DatasetBuilder", dependencies: ["GeoRaster", "ShardFormat", "ObjectStore"]),
        .target(name: "PairLoader", dependencies: ["ShardFormat"]),
        .target(name: "GeoPairsC", dependencies: ["PairLoader", "ShardFormat", "ObjectStore"], exclude: ["geopairs.h"]),
        .target(name: "MSADTrainer", dependencies: ["COpenBLAS", "PairLoader", "ShardFormat"]),
        .target(name: "ShardInspection", dependencies: ["GeoRaster", "ShardFormat"]),
        .executableTarget(name: "inspect-shards", dependencies: ["CLICore", "ShardFormat", "ShardInspection", "ObjectStore"]),
        .executableTarget(name: "build-dataset", dependencies: ["CLICore", "DatasetBuilder", "GeoRaster", "ShardFormat"]),
        .executableTarget(name: "train-msad", dependencies: ["CLICore", "MSADTrainer", "PairLoader", "ObjectStore", "ShardFormat"]),
        .executableTarget(name: "geopairs-bench", dependencies: ["CLICore", "GeoRaster", "ShardFormat", "PairLoader", "MSADTrainer", "ObjectStore"]),
        // Scripts/fuzz.sh builds it with libFuzzer; a plain build runs the seeded mutation loop.
        .executableTarget(name: "geopairs-fuzz", dependencies: ["FuzzHarness", "ShardFormat", "TestSupport"]),

        // Shared by the test targets: real-data lookup, temporary folders, running programs.
        .target(name: "TestSupport", dependencies: ["ShardFormat"], path: "Tests/TestSupport"),
        // The fuzz targets' harness, shared by geopairs-fuzz and the crash-regression tests.
        .target(name: "FuzzHarness", dependencies: ["ShardFormat", "PairLoader", "MSADTrainer", "TestSupport"], path: "Tests/FuzzHarness"),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzHarness", "DatasetBuilder", "TestSupport"]),
        .testTarget(name: "CLICoreTests", dependencies: ["CLICore"]),
        .testTarget(name: "GeoRasterTests", dependencies: ["GeoRaster", "TestSupport"]),
        .testTarget(name: "ShardFormatTests", dependencies: ["ShardFormat", "TestSupport", "FuzzHarness"]),
        .testTarget(name: "MSADTrainerTests", dependencies: ["MSADTrainer", "PairLoader", "ShardFormat", "DatasetBuilder", "TestSupport"]),
        .testTarget(name: "PairLoaderTests", dependencies: ["PairLoader", "ShardFormat", "DatasetBuilder", "ObjectStore", "TestSupport"]),
        .testTarget(name: "DatasetBuilderTests", dependencies: ["DatasetBuilder", "ShardFormat", "ShardInspection", "GeoRaster", "ObjectStore", "PairLoader", "TestSupport"]),
        .testTarget(name: "ShardInspectionTests", dependencies: ["ShardInspection", "ShardFormat", "GeoRaster", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
