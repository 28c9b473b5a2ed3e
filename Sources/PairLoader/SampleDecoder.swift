import Foundation
import ShardFormat

/// Decodes samples into batch slots: reads only the chosen sensors' frames, converts to Float32,
/// normalises, and applies the sample's augmentation. One per worker thread (it owns a zstd context).
final class SampleDecoder {
    struct SensorLayout {
        var name: String
        var schema: SensorSchema
        /// Ground sample distance; 0 when unknown (then the sensor cannot be cropped).
        var gsd: Double
        /// Output pixels after cropping.
        var outHeight: Int
        var outWidth: Int
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
        if a.flipsHorizontally { t.flipH = Bool.random(using: &rng) }
        if a.flipsVertically { t.flipV = Bool.random(using: &rng) }
        if a.rotates90 { t.rotations = Int.random(in: 0..<4, using: &rng) }
        return t
    }

    /// Output pixel (row, col) of a height×width augmented patch → (row, col) in the crop window.
    /// Rotations happen only on square patches (the loader refuses them otherwise).
    @inline(__always)
    static func source(_ r: Int, _ c: Int, height: Int, width: Int, _ t: Transform) -> (Int, Int) {
        var (row, col) = (t.flipV ? height - 1 - r : r, t.flipH ? width - 1 - c : c)
        for _ in 0..<t.rotations { (row, col) = (col, width - 1 - row) }
        return (row, col)
    }

    /// The frames a sample needs: each chosen sensor's data and mask.
    func frames(of slot: SampleSlot) -> [FrameDescriptor] {
        let shard = reader.shards[slot.location.shard]
        return layouts.flatMap { layout in
            [FrameKind.data, .mask].compactMap { try? shard.frame(record: slot.location.record, sensor: layout.name, kind: $0) }
        }
    }

    /// Decodes a frame from the bytes fetched ahead, or reads it now.
    private func decodeFrame(_ frame: FrameDescriptor, of shard: ShardReader, fetched: FetchedFrames?, into buffer: inout [UInt8]) throws {
        if buffer.count < frame.rawSize { buffer = [UInt8](repeating: 0, count: frame.rawSize) }
        try buffer.withUnsafeMutableBytes { out in
            let destination = UnsafeMutableRawBufferPointer(rebasing: out[0..<frame.rawSize])
            if let fetched {
                try fetched.withBytes(of: frame) { compressed in
                    try shard.decode(frame, compressed: compressed, into: destination, codec: codec, scratch: &scratch, checkCRC: false)
                }
            } else {
                try shard.read(frame, into: destination, codec: codec, scratch: &scratch, checkCRC: false)
            }
        }
    }

    /// What a decoded sample adds to its batch besides its pixels.
    struct DecodedSample {
        var key: String
        /// Per sensor in layout order: the delivered pixels' geotransform (`nil` without metadata).
        var geotransforms: [GeoTransform?]
        var attributes: [String: AttributeValue]
    }

    /// Fills slot `b` of every sensor tensor.
    /// - Parameter fetched: the sample's frames read ahead (``frames(of:)``), or `nil` to read them now.
    func decode(_ slot: SampleSlot, epoch: Int, into b: Int, tensors: [SensorBatch], fetched: FetchedFrames? = nil) throws -> DecodedSample {
        let shard = reader.shards[slot.location.shard]
        let key = shard.entries[slot.location.record].key
        let attributes = config.includesAttributes ? try shard.metadata(at: slot.location.record).attributes : [:]
        let t = transform(for: slot, epoch: epoch)
        var transforms: [GeoTransform?] = []
        for (s, layout) in layouts.enumerated() {
            transforms.append(try decodeSensor(layout, record: slot.location.record, key: key, of: shard, transform: t,
                                               into: tensors[s], slot: b, fetched: fetched))
        }
        return DecodedSample(key: key, geotransforms: transforms, attributes: attributes)
    }

    /// One sensor of a record into batch slot `b`: decode its frames, cut the crop window, flip and
    /// rotate, convert (and normalise) to Float32, and zero what is invalid. Returns the delivered
    /// pixels' geotransform (`nil` without metadata).
    private func decodeSensor(_ layout: SensorLayout, record: Int, key: String, of shard: ShardReader, transform t: Transform,
                              into tensor: SensorBatch, slot b: Int, fetched: FetchedFrames?) throws -> GeoTransform? {
        guard let frame = try shard.frame(record: record, sensor: layout.name) else {
            throw LoaderError("record \(key) has no \(layout.name) frame")
        }
        // The dataset reader checked every frame against dataset.json and every mask against
        // its data frame when it opened the dataset; the tensors were sized from the same schema.
        let (c, h, w) = (frame.channels, frame.height, frame.width)
        guard [c, h, w] == layout.schema.shape else {
            throw LoaderError("record \(key): \(layout.name) is \(c)×\(h)×\(w), the dataset says \(layout.schema.shape)")
        }
        // The frame's CRC-32 is skipped here: zstd's content checksum still verifies every byte.
        // (Reading shuffled byte planes directly in the conversion was tried and was slower than
        // this separate, vectorised un-shuffle followed by contiguous conversions.)
        try decodeFrame(frame, of: shard, fetched: fetched, into: &raw)
        let maskFrame = try shard.frame(record: record, sensor: layout.name, kind: .mask)
        if let m = maskFrame { try decodeFrame(m, of: shard, fetched: fetched, into: &maskBytes) }
        let (outH, outW) = (layout.outHeight, layout.outWidth)
        let ox = layout.gsd > 0 ? Int((t.cropX / layout.gsd).rounded()) : 0
        let oy = layout.gsd > 0 ? Int((t.cropY / layout.gsd).rounded()) : 0
        guard oy >= 0, ox >= 0, oy + outH <= h, ox + outW <= w else {
            throw LoaderError("record \(key): \(layout.name) crop window \(outH)×\(outW) at (\(oy), \(ox)) leaves its \(h)×\(w) patch")
        }
        // Upright patches are copied row by row; only flips and rotations need the map of where
        // each output pixel comes from in a band plane.
        let upright = t.rotations == 0 && !t.flipH && !t.flipV
        if !upright { mapSources(height: outH, width: outW, planeWidth: w, ox: ox, oy: oy, t) }
        let count = outH * outW
        let out = tensor.data.baseAddress! + b * c * count
        let outMask = tensor.mask.baseAddress! + b * count
        sourceIndex.withUnsafeBufferPointer { index in
            let map = upright ? nil : index
            if maskFrame != nil {
                maskBytes.withUnsafeBufferPointer { m in
                    if let map {
                        for i in 0..<count { outMask[i] = m[map[i]] }
                    } else {
                        for r in 0..<outH { (outMask + r * outW).update(from: m.baseAddress! + (r + oy) * w + ox, count: outW) }
                    }
                }
            } else {
                outMask.update(repeating: 1, count: count)
            }
            raw.withUnsafeBytes { bytes in
                for band in 0..<c {
                    let mean = config.normalizes ? layout.mean[band] : 0, scale = config.normalizes ? layout.scale[band] : 1
                    if let map {
                        Self.transfer(bytes, dtype: frame.dtype, start: band * h * w, index: map, count: count,
                                      mean: mean, scale: scale, into: out + band * count)
                    } else {
                        // Rows stay rows: convert contiguous runs (vectorised), no index lookups.
                        for r in 0..<outH {
                            Self.transfer(bytes, dtype: frame.dtype, start: band * h * w + (r + oy) * w + ox, index: nil, count: outW,
                                          mean: mean, scale: scale, into: out + band * count + r * outW)
                        }
                    }
                }
            }
        }
        if maskFrame != nil || frame.dtype.isFloatingPoint { Self.zeroInvalid(out, mask: outMask, bands: c, pixels: count) }
        guard config.includesGeotransforms, let placement = try shard.placement(record: record, sensor: layout.name) else { return nil }
        return geotransform(placement.geotransform, height: outH, width: outW, ox: ox, oy: oy, t: t)
    }

    /// Fills `sourceIndex` with, for each output pixel, its index in a `planeWidth`-wide band plane:
    /// crop offset, flips and rotation in one map.
    private func mapSources(height: Int, width: Int, planeWidth: Int, ox: Int, oy: Int, _ t: Transform) {
        if sourceIndex.count < height * width { sourceIndex = [Int](repeating: 0, count: height * width) }
        for r in 0..<height {
            for col in 0..<width {
                let (sr, sc) = Self.source(r, col, height: height, width: width, t)
                sourceIndex[r * width + col] = (sr + oy) * planeWidth + sc + ox
            }
        }
    }

    /// Invalid pixels are 0 in every band; NaN in any band makes a pixel invalid.
    private static func zeroInvalid(_ out: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<UInt8>, bands: Int, pixels: Int) {
        for i in 0..<pixels where mask[i] != 0 {
            for band in 0..<bands where out[band * pixels + i].isNaN { mask[i] = 0 }
        }
        for i in 0..<pixels where mask[i] == 0 {
            for band in 0..<bands { out[band * pixels + i] = 0 }
        }
    }

    private var sourceIndex: [Int] = []

    /// `out[i] = (value(start + i) − mean) · scale` for a contiguous run, or with an index map
    /// `out[i] = (value(start + index[i]) − mean) · scale`: one tight loop per element type.
    private static func transfer(_ bytes: UnsafeRawBufferPointer, dtype: DType, start: Int, index: UnsafeBufferPointer<Int>?,
                                 count: Int, mean: Float, scale: Float, into out: UnsafeMutablePointer<Float>) {
        func run<T>(_: T.Type, _ convert: (T) -> Float) {
            let src = (bytes.baseAddress! + start * MemoryLayout<T>.size).assumingMemoryBound(to: T.self)
            if let index {
                for i in 0..<count { out[i] = (convert(src[index[i]]) - mean) * scale }
            } else {
                for i in 0..<count { out[i] = (convert(src[i]) - mean) * scale }
            }
        }
        switch dtype {
        case .u8: run(UInt8.self) { Float($0) }
        case .i16: run(Int16.self) { Float($0) }
        case .u16: run(UInt16.self) { Float($0) }
        case .i32: run(Int32.self) { Float($0) }
        case .f32: run(Float.self) { $0 }
        case .f64: run(Double.self) { Float($0) }
        }
    }

    /// The geotransform of the delivered pixels: the crop window's, composed with flips/rotation.
    private func geotransform(_ patch: GeoTransform, height: Int, width: Int, ox: Int, oy: Int, t: Transform) -> GeoTransform {
        // World position of the centre of output pixel (row, col).
        func centre(_ r: Int, _ c: Int) -> Coordinate {
            let (sr, sc) = Self.source(r, c, height: height, width: width, t)
            return patch.world(pixel: Double(sc + ox) + 0.5, line: Double(sr + oy) + 0.5)
        }
        let o = centre(0, 0), alongRow = centre(0, 1), alongColumn = centre(1, 0)
        let (a1, a4) = (alongRow.x - o.x, alongRow.y - o.y)          // per column
        let (a2, a5) = (alongColumn.x - o.x, alongColumn.y - o.y)    // per row
        return GeoTransform([o.x - 0.5 * a1 - 0.5 * a2, a1, a2, o.y - 0.5 * a4 - 0.5 * a5, a4, a5])
    }
}
