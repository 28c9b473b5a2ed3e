/// A rectangle of whole pixels: columns `x ..< x+width`, rows `y ..< y+height`.
public struct PixelWindow: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Number of pixels in the window.
    public var pixelCount: Int { width * height }

    /// True when the window has pixels and lies inside a `width × height` raster.
    public func fits(width rasterWidth: Int, height rasterHeight: Int) -> Bool {
        x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= rasterWidth && y + height <= rasterHeight
    }

    public var description: String { "\(width)×\(height)+\(x)+\(y)" }
}
