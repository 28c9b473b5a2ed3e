import CGDAL

/// A NULL-terminated `char**` list (GDAL's `CSLConstList`) owned for the duration of a call.
struct CStringArray {
    private let strings: [String]

    init(_ strings: [String]) {
        self.strings = strings
    }

    /// Calls `body` with a `char**` that is valid only inside the call.
    func withPointer<R>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws -> R) rethrows -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafeMutablePointer<CChar>?] = copies + [nil]
        return try pointers.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }

    /// The same list as a `const char* const*` (`CSLConstList`), for GDAL functions that take that.
    func withConstPointer<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> R) rethrows -> R {
        try withPointer { pointer in
            try body(UnsafeRawPointer(pointer).assumingMemoryBound(to: UnsafePointer<CChar>?.self))
        }
    }
}
