import CLICore
import Foundation
import GeoRaster
import ShardFormat

/// `geopairs-bench codec`: compression ratio and single-thread encode/decode speed of every frame
/// filter at zstd levels 1, 3 and 9, on arrays read from real rasters.
enum CodecBenchmark {
    /// One test input: named frames, each a raw little-endian C×H×W array.
    struct Input {
        var label: String
        var dtype: DType
        var width: Int
        var frames: [[UInt8]]
    }

    /// A whole multi-band raster as one frame.
    static func wholeRaster(_ path: String) throws -> Input {
        let raster = try Raster(path: path)
        let type = try raster.dataType(band: 1) ?? .f32
        return Input(label: (path as NSString).lastPathComponent, dtype: type, width: raster.width,
                     frames: [try readBytes(raster, type: type, bands: nil)])
    }

    /// Several single-band files stacked band after band into one frame per group.
    static func stackedGroups(_ label: String, groups: [[String]]) throws -> Input {
        var frames: [[UInt8]] = []
        var width = 0
        var dtype = DType.f32
        for files in groups {
            var frame: [UInt8] = []
            for path in files {
                let raster = try Raster(path: path)
                let type = try raster.dataType(band: 1) ?? .f32
                dtype = type
                width = raster.width
                frame += try readBytes(raster, type: type, bands: [1])
            }
            frames.append(frame)
        }
        return Input(label: label, dtype: dtype, width: width, frames: frames)
    }

    static func readBytes(_ raster: Raster, type: DType, bands: [Int]?) throws -> [UInt8] {
        switch type {
        case .u8: return try raster.read(bands: bands, as: UInt8.self)
        case .i16: return try raster.read(bands: bands, as: Int16.self).withUnsafeBytes { Array($0) }
        case .u16: return try raster.read(bands: bands, as: UInt16.self).withUnsafeBytes { Array($0) }
        case .i32: return try raster.read(bands: bands, as: Int32.self).withUnsafeBytes { Array($0) }
        case .f32: return try raster.read(bands: bands, as: Float.self).withUnsafeBytes { Array($0) }
        case .f64: return try raster.read(bands: bands, as: Double.self).withUnsafeBytes { Array($0) }
        }
    }

    struct Row {
        var filter: FrameFilter
        var level: Int32
        var ratio: Double
        var encodeMBps: Double
        var decodeMBps: Double
        /// The filter's inverse alone (no zstd).
        var unfilterMBps: Double
    }

    /// Measures one input at every filter and level (each timing repeated for at least 0.3 s).
    static func measure(_ input: Input) throws -> [Row] {
        let raw = input.frames.reduce(0) { $0 + $1.count }
        var rows: [Row] = []
        for level: Int32 in [1, 3, 9] {
            let codec = ZstdCodec(level: level)
            for filter in FrameFilter.allCases {
                var compressed: [[UInt8]] = []
                let encodeSeconds = try timed {
                    compressed = try input.frames.map { frame in
                        var filtered = [UInt8](repeating: 0, count: frame.count)
                        frame.withUnsafeBytes { src in
                            filtered.withUnsafeMutableBytes { filter.encode(src, into: $0, elementSize: input.dtype.size, rowLength: input.width) }
                        }
                        return try filtered.withUnsafeBytes { try codec.compress($0) }
                    }
                }
                var outputs = input.frames.map { [UInt8](repeating: 0, count: $0.count) }
                var scratch = [UInt8](repeating: 0, count: input.frames.map(\.count).max() ?? 0)
                let decodeSeconds = try timed {
                    for i in compressed.indices {
                        try compressed[i].withUnsafeBytes { src in
                            try outputs[i].withUnsafeMutableBytes { dst in
                                if filter == .none {
                                    try codec.decompress(src, into: dst)
                                } else {
                                    try scratch.withUnsafeMutableBytes { s in
                                        let filtered = UnsafeMutableRawBufferPointer(rebasing: s[0..<dst.count])
                                        try codec.decompress(src, into: filtered)
                                        filter.decode(UnsafeRawBufferPointer(filtered), into: dst, elementSize: input.dtype.size, rowLength: input.width)
                                    }
                                }
                            }
                        }
                    }
                }
                var filteredFrames = input.frames
                for i in filteredFrames.indices {
                    input.frames[i].withUnsafeBytes { src in
                        filteredFrames[i].withUnsafeMutableBytes { filter.encode(src, into: $0, elementSize: input.dtype.size, rowLength: input.width) }
                    }
                }
                let unfilterSeconds = timed {
                    for i in filteredFrames.indices {
                        filteredFrames[i].withUnsafeBytes { src in
                            outputs[i].withUnsafeMutableBytes { filter.decode(src, into: $0, elementSize: input.dtype.size, rowLength: input.width) }
                        }
                    }
                }
                guard outputs == input.frames else { throw ShardError(.corrupt, file: input.label, message: "\(filter) did not round-trip") }
                let stored = compressed.reduce(0) { $0 + $1.count }
                rows.append(Row(filter: filter, level: level, ratio: Double(raw) / Double(stored),
                                encodeMBps: Double(raw) / encodeSeconds / 1e6, decodeMBps: Double(raw) / decodeSeconds / 1e6,
                                unfilterMBps: Double(raw) / unfilterSeconds / 1e6))
            }
        }
        return rows
    }

    /// Seconds per run of `body`, repeated until 0.3 s have passed.
    static func timed(_ body: () throws -> Void) rethrows -> Double {
        var runs = 0
        let start = Date()
        repeat {
            try body()
            runs += 1
        } while Date().timeIntervalSince(start) < 0.3
        return Date().timeIntervalSince(start) / Double(runs)
    }

    static let command = Subcommand(
        name: "codec", summary: "frame codec ratio and single-thread MB/s per filter and zstd level",
        positionals: [Positional("S2_FILE", "a raster read whole as the first input")],
        options: [.text("bigearthnet", "DIR", help: "the BigEarthNet sample (Scripts/setup.sh): its six S1 patches as a second input")],
        run: { a in try run(a); return .success })

    static func run(_ a: Arguments) throws {
        var inputs = [try wholeRaster(a[positional: "S2_FILE"])]
        if let sample = a.value("bigearthnet") {
            let root = sample + "/BigEarthNet-S1-Example"
            let patches = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
            inputs.append(try stackedGroups("BigEarthNet S1 VV+VH (6 patches)", groups: patches.map { p in
                ["\(root)/\(p)/\(p)_VV.tif", "\(root)/\(p)/\(p)_VH.tif"] }))
        }
        for input in inputs {
            let mb = Double(input.frames.reduce(0) { $0 + $1.count }) / 1e6
            print("\n\(input.label): \(input.dtype.rawValue), \(input.frames.count) frame(s), \(String(format: "%.2f", mb)) MB raw")
            print("| filter | level | ratio | encode MB/s | decode MB/s | of which unfilter alone MB/s |")
            print("|---|---|---|---|---|---|")
            for r in try measure(input) {
                print("| \(r.filter.rawValue) | \(r.level) | \(String(format: "%.3f", r.ratio)) | \(String(format: "%.0f", r.encodeMBps)) | \(String(format: "%.0f", r.decodeMBps)) | \(r.filter == .none ? "–" : String(format: "%.0f", r.unfilterMBps)) |")
            }
        }
    }
}
