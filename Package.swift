// swift-tools-version:6.0
import PackageDescription

// GeoPairs: co-registered multi-sensor patch datasets. No SwiftPM package dependencies: the
// toolchain plus three system libraries (GDAL, zstd, OpenBLAS) bound through pkg-config.
let package = Package(
    name: "GeoPairs",
    products: [
        .library(name: "GeoRaster", targets: ["GeoRaster"]),
        .library(name: "ShardFormat", targets: ["ShardFormat"]),
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

        .target(name: "GeoRaster", dependencies: ["CGDAL"]),
        .target(name: "ShardFormat", dependencies: ["CZstd"]),

        .testTarget(name: "GeoRasterTests", dependencies: ["GeoRaster"]),
        .testTarget(name: "ShardFormatTests", dependencies: ["ShardFormat"]),
    ],
    swiftLanguageModes: [.v6]
)
