import Foundation
import GeoRaster
import ShardFormat

/// `inspect-shards quicklook`: a record's sensors side by side in one PNG, each stretched by its
/// 2–98 % percentiles, scaled to a common height (nearest neighbour, so pixels stay visible).
public enum QuickLook {
    /// Renders a record. `bands` maps a sensor to 1-based band numbers to show as RGB (three) or
    /// grey (one); otherwise the first three bands (or the first band when it has fewer than three).
    public static func render(reader: DatasetReader, key: String, bands: [String: [Int]] = [:], height: Int = 256,
                              output: String) throws {
        guard (1...4096).contains(height) else {
            throw ShardError(.invalidArgument, file: reader.directory, location: "record \(key)", message: "a quick-look height of \(height) pixels is outside 1…4096")
        }
        let (location, meta) = try RecordLookup.find(reader: reader, key: key)
        let codec = ZstdCodec()
        var panels: [(width: Int, rgb: [UInt8])] = []  // RGB, band-sequential, `height` rows
        for sensor in meta.sensors {
            let (c, h, w) = (sensor.shape[0], sensor.shape[1], sensor.shape[2])
            let chosen = bands[sensor.sensor] ?? (c >= 3 ? [1, 2, 3] : [1])
            guard chosen.count == 1 || chosen.count == 3, chosen.allSatisfy({ (1...c).contains($0) }) else {
                throw ShardError(.invalidArgument, file: reader.directory, location: "record \(key)", message: "sensor \(sensor.sensor) has \(c) bands; choose 1 or 3 of 1…\(c)")
            }
            let data = try reader.readArray(at: location, sensor: sensor.sensor, codec: codec)
            let hasMask = try reader.shards[location.shard].frame(record: location.record, sensor: sensor.sensor, kind: .mask) != nil
            let mask = hasMask ? try reader.readArray(at: location, sensor: sensor.sensor, kind: .mask, codec: codec) : nil
            let stretched: [[UInt8]] = data.withUnsafeBytes { raw in
                chosen.map { band in
                    let values = (0..<(h * w)).map { sensor.dtype.value(in: raw, at: (band - 1) * h * w + $0) }
                    return stretch(values, mask: mask)
                }
            }
            let channels = stretched.count == 3 ? stretched : [stretched[0], stretched[0], stretched[0]]
            // Panels keep their aspect ratio up to 16:1, so that a 1×100000 patch cannot ask for a huge canvas.
            let outWidth = max(1, min(16 * height, Int((Double(w) * Double(height) / Double(h)).rounded())))
            var rgb = [UInt8](repeating: 0, count: 3 * height * outWidth)
            for ch in 0..<3 {
                for y in 0..<height {
                    let sy = min(h - 1, y * h / height)
                    for x in 0..<outWidth {
                        rgb[ch * height * outWidth + y * outWidth + x] = channels[ch][sy * w + min(w - 1, x * w / outWidth)]
                    }
                }
            }
            panels.append((outWidth, rgb))
        }
        let gap = 8
        let total = panels.reduce(0) { $0 + $1.width } + gap * max(0, panels.count - 1)
        var canvas = [UInt8](repeating: 255, count: 3 * height * total)
        var x0 = 0
        for panel in panels {
            for ch in 0..<3 {
                for y in 0..<height {
                    let src = ch * height * panel.width + y * panel.width
                    let dst = ch * height * total + y * total + x0
                    canvas.replaceSubrange(dst..<(dst + panel.width), with: panel.rgb[src..<(src + panel.width)])
                }
            }
            x0 += panel.width + gap
        }
        try RasterWriter.writePNG(path: output, width: total, height: height, bands: 3, pixels: canvas)
    }

    /// Linear stretch of the 2–98 % percentiles of valid, finite values to 0…255; invalid pixels are 0.
    static func stretch(_ values: [Double], mask: [UInt8]?) -> [UInt8] {
        let valid = values.indices.filter { (mask?[$0] ?? 1) != 0 && values[$0].isFinite }.map { values[$0] }.sorted()
        guard !valid.isEmpty else { return [UInt8](repeating: 0, count: values.count) }
        let lo = valid[Int(Double(valid.count - 1) * 0.02)], hi = valid[Int(Double(valid.count - 1) * 0.98)]
        let scale = hi > lo ? 255 / (hi - lo) : 0
        return values.indices.map { i in
            guard (mask?[i] ?? 1) != 0, values[i].isFinite else { return 0 }
            return UInt8(max(0, min(255, ((values[i] - lo) * scale).rounded())))
        }
    }
}
