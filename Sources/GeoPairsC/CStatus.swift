import Foundation
import PairLoader
import ShardFormat

/// The status codes of `geopairs.h`.
enum CStatus: Int32 {
    case ok = 0
    case end = 1
    case absent = 2
    case argument = -1
    case open = -2
    case read = -3
}

/// A failure on its way out through the C interface: its status and message.
struct CFailure: Error {
    let status: CStatus
    let message: String
    init(_ status: CStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// Each thread's last error message, as `gp_last_error` returns it (freed with the thread).
private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
}()

private func setLastError(_ message: String) {
    free(pthread_getspecific(lastErrorKey))
    pthread_setspecific(lastErrorKey, strdup(message))
}

/// Runs one C entry point: a thrown error becomes its status code and this thread's last error.
/// `failure` is the status an error of the library itself maps to (opening or reading).
func guarded(_ failure: CStatus, _ body: () throws -> CStatus) -> Int32 {
    do {
        return try body().rawValue
    } catch let error as CFailure {
        setLastError(error.message)
        return error.status.rawValue
    } catch {
        setLastError("\(error)")
        return failure.rawValue
    }
}

/// A required C string argument.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let pointer else { throw CFailure(.argument, "\(name) is NULL") }
    return String(cString: pointer)
}

/// A required output pointer.
func output<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws -> UnsafeMutablePointer<T> {
    guard let pointer else { throw CFailure(.argument, "\(name) is NULL") }
    return pointer
}

/// Hands a string to the caller, who frees it with `gp_free_string`.
func handOut(_ text: String, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ name: String) throws -> CStatus {
    try output(out, name).pointee = strdup(text)
    return .ok
}

/// Compact JSON text of an encodable value.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

@_cdecl("gp_last_error")
public func gp_last_error() -> UnsafePointer<CChar> {
    if let message = pthread_getspecific(lastErrorKey) { return UnsafePointer(message.assumingMemoryBound(to: CChar.self)) }
    return emptyString
}

// Immutable C strings made once and never freed.
nonisolated(unsafe) private let emptyString: UnsafePointer<CChar> = UnsafePointer(strdup("")!)
nonisolated(unsafe) private let versionString: UnsafePointer<CChar> = UnsafePointer(strdup(GeoPairsVersion.current)!)

@_cdecl("gp_free_string")
public func gp_free_string(_ string: UnsafeMutablePointer<CChar>?) {
    free(string)
}

@_cdecl("gp_version")
public func gp_version() -> UnsafePointer<CChar> { versionString }
