/// Reads little-endian values from untrusted bytes; every read is bounds-checked and fails with a
/// typed error instead of trapping.
struct ByteCursor {
    let bytes: [UInt8]
    private(set) var offset: Int
    /// Names the structure being parsed in errors (file and part).
    let file: String
    let part: String

    init(_ bytes: [UInt8], file: String, part: String, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        self.file = file
        self.part = part
    }

    var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw ShardError(.truncated, file: file, location: part,
                             message: "needs \(n) more bytes at offset \(offset), \(remaining) left")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func u8() throws -> UInt8 { try take(1).first! }

    mutating func u16() throws -> UInt16 { UInt16(truncatingIfNeeded: try uint(2)) }

    mutating func u32() throws -> UInt32 { UInt32(truncatingIfNeeded: try uint(4)) }

    mutating func u64() throws -> UInt64 { try uint(8) }

    private mutating func uint(_ n: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (i, byte) in try take(n).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        return value
    }

    /// A u64 that must fit an Int and not exceed `limit`.
    mutating func length(limit: Int, what: String) throws -> Int {
        let v = try u64()
        guard v <= UInt64(limit) else {
            throw ShardError(.corrupt, file: file, location: part, message: "\(what) \(v) exceeds \(limit)")
        }
        return Int(v)
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] { Array(try take(n)) }

    /// A UTF-8 string preceded by its u16 byte length.
    mutating func string() throws -> String {
        let n = Int(try u16())
        guard let s = String(validating: try take(n), as: UTF8.self) else {
            throw ShardError(.corrupt, file: file, location: part, message: "a string is not valid UTF-8")
        }
        return s
    }

    mutating func expect(_ magic: [UInt8], what: String) throws {
        let found = try bytes(magic.count)
        guard found == magic else {
            throw ShardError(.badMagic, file: file, location: part, message: "\(what) magic not found")
        }
    }
}

/// Appends little-endian values to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { append(UInt64(v), 2) }
    mutating func u32(_ v: UInt32) { append(UInt64(v), 4) }
    mutating func u64(_ v: UInt64) { append(v, 8) }
    mutating func raw(_ b: [UInt8]) { bytes += b }

    /// A UTF-8 string preceded by its u16 byte length; precondition: at most 65535 bytes.
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        precondition(utf8.count <= Int(UInt16.max), "string too long for the shard index")
        u16(UInt16(utf8.count))
        bytes += utf8
    }

    private mutating func append(_ v: UInt64, _ n: Int) {
        for i in 0..<n { bytes.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) }
    }
}
