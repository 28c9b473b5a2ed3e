import Foundation
import ShardFormat
import TestSupport
import Testing

@Suite("CRC-32 and SHA-256")
struct ChecksumTests {
    @Test("CRC-32 check value and piecewise computation")
    func crc32() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        var rng = SeededRandom(seed: 1)
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(CRC32.checksum(Array(bytes[300...]), continuing: CRC32.checksum(Array(bytes[..<300]))) == CRC32.checksum(bytes))
    }

    @Test("SHA-256 equals coreutils sha256sum at every padding boundary")
    func sha256MatchesSha256sum() throws {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var rng = SeededRandom(seed: 2)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_001] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let path = "\(dir)/\(length).bin"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let text = try TestEnvironment.run("sha256sum", [path]).output
            // Fed in uneven pieces to exercise the streaming path.
            var h = SHA256()
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + 1 + start % 97)
                h.update(Array(bytes[start..<end]))
                start = end
            }
            #expect(h.finalizeHex() == String(text.prefix(64)), "length \(length)")
        }
    }
}
