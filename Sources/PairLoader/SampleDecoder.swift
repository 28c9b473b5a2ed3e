import Foundation
import ShardFormat

/// Decodes samples into batch slots: reads only the chosen sensors' frames, converts to Float32,
/// normalises, and applies the sample's augmentation. One per worker thread (it owns a zstd context).
final class SampleDecoder {
    struct SensorLayout {
        var name: String
        var schema: SensorSchema
        var gsd: Double
        /// Output pixels per side after cropping.
        var outSize: Int
        var mean: [Float]
        var scale: [Float]
    }

    private let reader: DatasetReader
    private let layouts: [SensorLayout]
    private let config: LoaderConfig
    private let patchSize: Double
    private let coarsestGSD: Double
    private let codec = ZstdCodec()
    private var scratch: [UInt8] = []
    private var raw: [UInt8] = []
    private var maskBytes: [UInt8] = []
    private var plane: [Float] = []
    private let decoder = JSONDecoder()

    init(reader: DatasetReader, layouts: [SensorLayout], config: LoaderConfig, patchSize: Double, coarsestGSD: Double) {
        self.reader = reader
        self.layouts = layouts
        self.config = config
        self.patchSize = patchSize
        self.coarsestGSD = coarsestGSD
    }

    /// The augmentation of one sample: crop offset (in units of the coarsest GSD), flips, rotation.
    struct Transform {
        var cropX = 0.0, cropY = 0.0
        var flipH = false, flipV = false
        var rotations = 0
    }

    func transform(for slot: SampleSlot, epoch: Int) -> Transform {
        let a = config.augmentation
        guard !a.isIdentity else { return Transform() }
        var rng = SeededRandom(config.seed, UInt64(epoch), UInt64(slot.order), 3)
        var t = Transform()
        if let crop = a.cropSize {
            let steps = Int(((patchSize - crop) / coarsestGSD).rounded())
            t.cropX = Double(Int.random(in: 0...max(0, steps), using: &rng)) * coarsestGSD
            t.cropY = Double(Int.random(in: 0...max(0, steps), using: &rng)) * coarsestGSD
        }
        if a.horizontalFlip { t.flipH = Bool.random(using: &rng) }
        if a.verticalFlip { t.flipV = Bool.random(using: &rng) }
        if a.rotate90 { t.rotations = Int.random(in: 0..<4, using: &rng) }
        return t
    }

    /// Output pixel (row, col) of an n×n augmented patch → (row, col) in the crop window.
    @inline(__always)
    static func source(_ r: Int, _ c: Int, n: Int, _ t: Transform) -> (Int, Int) {
        var (row, col) = (t.flipV ? n - 1 - r : r, t.flipH ? n - 1 - c : c)
        for _ in 0..<t.rotations { (row, col) = (col, n - 1 - row) }
        return (row, col)
    }

    /// Fills slot `b` of every sensor tensor; returns (key, geotransforms, attributes).
    func decode(_ slot: SampleSlot, epoch: Int, into b: Int, tensors: [SensorBatch]) throws
        -> (key: String, geotransforms: [[Double]], attributes: [String: AttributeValue]) {
        let shard = reader.shards[slot.location.shard]
        let entry = shard.entries[slot.location.record]
        let meta = try shard.metadata(at: slot.location.record)
        let t = transform(for: slot, epoch: epoch)
        var transforms: [[Double]] = []
        for (s, layout) in layouts.enumerated() {
            guard let frame = try shard.frame(record: slot.location.record, sensor: layout.name),
                  let sensorMeta = meta.sensor(layout.name) else {
                throw LoaderError("record \(entry.key) has no \(layout.name) frame")
            }
            let (c, h, w) = (frame.channels, frame.height, frame.width)
            guard [c, h, w] == layout.schema.shape else {
                throw LoaderError("record \(entry.key): \(layout.name) is \(c)×\(h)×\(w), the dataset says \(layout.schema.shape)")
            }
            if raw.count < frame.rawSize { raw = [UInt8](repeating: 0, count: frame.rawSize) }
            try raw.withUnsafeMutableBytes { try shard.read(frame, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<frame.rawSize]), codec: codec, scratch: &scratch) }
            let hasMask = try shard.frame(record: slot.location.record, sensor: layout.name, kind: .mask)
            if let m = hasMask {
                if maskBytes.count < m.rawSize { maskBytes = [UInt8](repeating: 0, count: m.rawSize) }
                try maskBytes.withUnsafeMutableBytes { try shard.read(m, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<m.rawSize]), codec: codec, scratch: &scratch) }
            }
            let n = layout.outSize
            let ox = Int((t.cropX / layout.gsd).rounded()), oy = Int((t.cropY / layout.gsd).rounded())
            let tensor = tensors[s]
            let out = tensor.data.baseAddress! + b * c * n * n
            let outMask = tensor.mask.baseAddress! + b * n * n
            if plane.count < h * w { plane = [Float](repeating: 0, count: h * w) }
            let identity = t.rotations == 0 && !t.flipH && !t.flipV
            // Mask first (the sample's pixels valid in every band), then each band.
            for r in 0..<n {
                for col in 0..<n {
                    let (sr, sc) = identity ? (r, col) : Self.source(r, col, n: n, t)
                    outMask[r * n + col] = hasMask == nil ? 1 : maskBytes[(sr + oy) * w + sc + ox]
                }
            }
            raw.withUnsafeBytes { bytes in
                for band in 0..<c {
                    convert(bytes, dtype: frame.dtype, offset: band * h * w, count: h * w)
                    let mean = config.normalize ? layout.mean[band] : 0, scale = config.normalize ? layout.scale[band] : 1
                    let dst = out + band * n * n
                    plane.withUnsafeBufferPointer { src in
                        for r in 0..<n {
                            for col in 0..<n {
                                let (sr, sc) = identity ? (r, col) : Self.source(r, col, n: n, t)
                                let v = src[(sr + oy) * w + sc + ox]
                                if v.isNaN || outMask[r * n + col] == 0 {
                                    dst[r * n + col] = 0
                                    outMask[r * n + col] = 0
                                } else {
                                    dst[r * n + col] = (v - mean) * scale
                                }
                            }
                        }
                    }
                }
            }
            transforms.append(geotransform(sensorMeta.geotransform, gsd: layout.gsd, n: n, ox: ox, oy: oy, t: t))
        }
        return (entry.key, transforms, meta.attributes)
    }

    /// Raw little-endian values of one band → `plane` as Float.
    private func convert(_ bytes: UnsafeRawBufferPointer, dtype: DType, offset: Int, count: Int) {
        plane.withUnsafeMutableBufferPointer { p in
            let base = bytes.baseAddress!
            switch dtype {
            case .u8: for i in 0..<count { p[i] = Float(base.load(fromByteOffset: offset + i, as: UInt8.self)) }
            case .i16: for i in 0..<count { p[i] = Float(base.loadUnaligned(fromByteOffset: (offset + i) * 2, as: Int16.self)) }
            case .u16: for i in 0..<count { p[i] = Float(base.loadUnaligned(fromByteOffset: (offset + i) * 2, as: UInt16.self)) }
            case .i32: for i in 0..<count { p[i] = Float(base.loadUnaligned(fromByteOffset: (offset + i) * 4, as: Int32.self)) }
            case .f32: for i in 0..<count { p[i] = base.loadUnaligned(fromByteOffset: (offset + i) * 4, as: Float.self) }
            case .f64: for i in 0..<count { p[i] = Float(base.loadUnaligned(fromByteOffset: (offset + i) * 8, as: Double.self)) }
            }
        }
    }

    /// The geotransform of the delivered pixels: the crop window's, composed with flips/rotation.
    private func geotransform(_ gt: [Double], gsd: Double, n: Int, ox: Int, oy: Int, t: Transform) -> [Double] {
        // World position of the centre of output pixel (row, col).
        func centre(_ r: Int, _ c: Int) -> (Double, Double) {
            let (sr, sc) = Self.source(r, c, n: n, t)
            let px = Double(sc + ox) + 0.5, py = Double(sr + oy) + 0.5
            return (gt[0] + px * gt[1] + py * gt[2], gt[3] + px * gt[4] + py * gt[5])
        }
        let o = centre(0, 0), dx = centre(0, 1), dy = centre(1, 0)
        let (a1, a4) = (dx.0 - o.0, dx.1 - o.1)   // per column
        let (a2, a5) = (dy.0 - o.0, dy.1 - o.1)   // per row
        return [o.0 - 0.5 * a1 - 0.5 * a2, a1, a2, o.1 - 0.5 * a4 - 0.5 * a5, a4, a5]
    }
}
