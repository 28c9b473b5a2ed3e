import Foundation
import GeoRaster
import ShardFormat

/// How long remote reads keep trying when the storage does not answer (a restarted server, a
/// network outage): with growing pauses, then an error that names the object and the request.
/// GDAL already retries single 429/5xx answers (`GDAL_HTTP_MAX_RETRY`); this covers the rest,
/// such as refused connections, for the whole outage.
public struct RetryPolicy: Sendable, Equatable {
    /// Give up once this many seconds have passed since the first failure of a request.
    public var timeout: Double
    /// The first pause; each next pause doubles, up to `maxDelay`.
    public var initialDelay: Double
    public var maxDelay: Double

    public init(timeout: Double = 300, initialDelay: Double = 0.25, maxDelay: Double = 8) {
        self.timeout = timeout
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// Runs a request (named in errors, e.g. `GET bytes=0-99`) under the policy. An object that
    /// ends early, is missing or is denied fails at once; anything else (no answer, 5xx after
    /// GDAL's own retries) is tried again.
    /// - Throws: ``ShardError`` naming the object and the request.
    @discardableResult
    public func perform<T>(name: String, request: String, _ body: () throws -> T) throws -> T {
        do {
            return try run(isFinal: { error in
                guard let e = error as? RasterError else { return true }
                return e.operation == "end" || [401, 403, 404].contains(e.httpStatus)
            }, body).0
        } catch let failure as RetryError {
            let message = (failure.underlying as? RasterError)?.message ?? "\(failure.underlying)"
            let tries = failure.attempts > 1 ? " (\(failure.attempts) attempts over \(Int(failure.seconds.rounded())) s)" : ""
            throw ShardError(.io, file: name, location: request, message: message + tries)
        }
    }

    /// Runs `attempt` until it succeeds, it throws an error `isFinal` calls final, or `timeout` passes.
    /// - Returns: the result, and how many attempts failed before it.
    func run<T>(isFinal: (any Error) -> Bool, _ attempt: () throws -> T) throws -> (T, failures: Int) {
        let start = Date()
        var delay = initialDelay
        var failures = 0
        while true {
            do {
                return (try attempt(), failures)
            } catch {
                failures += 1
                let waited = Date().timeIntervalSince(start)
                guard !isFinal(error), waited + delay <= timeout else {
                    throw RetryError(underlying: error, attempts: failures, seconds: waited)
                }
                Thread.sleep(forTimeInterval: delay)
                delay = min(maxDelay, delay * 2)
            }
        }
    }
}

/// The last failure of a request that was retried until the policy gave up.
struct RetryError: Error {
    var underlying: any Error
    var attempts: Int
    var seconds: Double
}
