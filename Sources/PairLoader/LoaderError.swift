/// A loader failure: bad configuration, or (policy `fail`) a record that cannot be read.
public struct LoaderError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
