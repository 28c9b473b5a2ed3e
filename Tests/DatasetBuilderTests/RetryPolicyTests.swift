import GeoRaster
import ObjectStore
import ShardFormat
import Testing

/// Which failed requests the retry policy tries again, told from GDAL's messages without a server.
@Suite("Retry policy")
struct RetryPolicyTests {
    static func failure(_ url: String, status: Int) -> RasterError {
        RasterError(.file, operation: "read", subject: url, message: "HTTP response code on \(url): \(status)")
    }

    @Test("The HTTP status is read after the URL, never from its port or key")
    func statusParsing() {
        #expect(Self.failure("http://127.0.0.1:15403/private/ds/shards/train-00000.gpshard", status: 0).httpStatus == 0)
        #expect(Self.failure("http://127.0.0.1:9000/b/k401-404", status: 503).httpStatus == 503)
        #expect(RasterError.httpStatus(in: "HTTP response code on http://h:1/k: 403 (access denied: check …)") == 403)
        #expect(RasterError.httpStatus(in: "the transfer broke off after 0 of 403 bytes") == nil)
        #expect(RasterError.httpStatus(in: "HTTP response code on http://h/k") == nil)
    }

    /// CI once saw a loader give up at the first refused connection because the server's port was
    /// 15403, and the message's "403" read as access denied.
    @Test("No answer is retried, whatever digits the URL holds; denied and missing objects fail at once")
    func classification() throws {
        let policy = RetryPolicy(timeout: 5, initialDelay: 0.001, maxDelay: 0.001)
        let url = "http://127.0.0.1:15403/private/ds/shards/train-00000.gpshard"
        var attempts = 0
        let value = try policy.perform(name: "s3://private/ds/shards/train-00000.gpshard", request: "GET bytes=0-9") { () throws -> Int in
            attempts += 1
            if attempts < 3 { throw Self.failure(url, status: 0) }
            return 7
        }
        #expect(value == 7 && attempts == 3)
        for status in [401, 403, 404] {
            var tries = 0
            #expect(throws: ShardError.self) {
                try policy.perform(name: "s3://b/k", request: "HEAD") { () throws -> Int in
                    tries += 1
                    throw Self.failure("http://127.0.0.1:15400/b/k", status: status)
                }
            }
            #expect(tries == 1, "status \(status)")
        }
    }
}
