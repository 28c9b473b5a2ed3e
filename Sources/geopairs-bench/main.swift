import Foundation

/// Release-mode benchmarks of GeoPairs; run through the scripts in Scripts/.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "codec":
    do {
        try CodecBenchmark.run(Array(arguments.dropFirst()))
    } catch {
        FileHandle.standardError.write(Data("geopairs-bench codec: \(error)\n".utf8))
        exit(1)
    }
case "encode-patches":
    do {
        try PatchEncoder.run(Array(arguments.dropFirst()))
    } catch {
        FileHandle.standardError.write(Data("geopairs-bench encode-patches: \(error)\n".utf8))
        exit(1)
    }
default:
    print("usage: geopairs-bench codec S2_FILE [BIGEARTHNET_SAMPLE_DIR] | encode-patches LIST OUT")
    exit(arguments.first == "--help" ? 0 : 2)
}
