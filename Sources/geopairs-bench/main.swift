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
case "load", "zstd-floor":
    do {
        let rest = Array(arguments.dropFirst())
        if arguments.first == "load" { try LoadBenchmark.load(rest) } else { try LoadBenchmark.floor(rest) }
    } catch {
        FileHandle.standardError.write(Data("geopairs-bench \(arguments.first!): \(error)\n".utf8))
        exit(1)
    }
case "train-step":
    do {
        try TrainStepBenchmark.run(Array(arguments.dropFirst()))
    } catch {
        FileHandle.standardError.write(Data("geopairs-bench train-step: \(error)\n".utf8))
        exit(1)
    }
default:
    print("usage: geopairs-bench codec S2_FILE [BIGEARTHNET_SAMPLE_DIR] | encode-patches LIST OUT | load DIR --sensors A,B --workers N --shuffle global|buffered | zstd-floor DIR --sensors A,B --threads N | train-step RUN [--steps N] [--threads T]")
    exit(arguments.first == "--help" ? 0 : 2)
}
