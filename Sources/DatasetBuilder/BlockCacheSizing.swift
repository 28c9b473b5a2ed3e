import GeoRaster

extension BuildPlan {
    /// The GDAL block cache a build of this plan needs: every worker's current warp's source pixels
    /// (a block's ground, all sensors and bands, at the sources' resolution from the kernel scales),
    /// within 64 MiB…512 MiB. GeoPairs' first design fixed 512 MiB for every build, which filled
    /// with source blocks no warp read again: on the build benchmark the peak went from ~900 MB to
    /// ~450 MB at the same speed, and a cache of twice this size was no faster.
    public func blockCacheBytes(jobs: Int) -> Int {
        guard let largest = blocks.map({ ($0.box.maxX - $0.box.minX) * ($0.box.maxY - $0.box.minY) }).max() else {
            return BlockCache.defaultBytes
        }
        var perBlock = 0.0
        for sensor in manifest.sensors where sensor.rasterize == nil {
            let pixels = largest / (sensor.gsd * sensor.gsd)
            for scale in kernelScales[sensor.name] ?? [] {
                // Destination pixels per source pixel, per axis: source pixels = pixels / (sx · sy).
                perBlock += pixels / max(1e-6, scale[0] * scale[1]) * Double(sensor.dtype.size)
            }
        }
        let wanted = Double(max(1, jobs)) * perBlock
        return Int(min(Double(BlockCache.defaultBytes), max(Double(64 << 20), wanted.rounded(.up))))
    }
}
