import Foundation

/// Release-mode benchmarks of GeoPairs; run through the scripts in Scripts/.
let arguments = Array(CommandLine.arguments.dropFirst())
let rest = Array(arguments.dropFirst())
let benchmarks: [String: ([String]) throws -> Void] = [
    "batch-digests": BatchDigests.run,
    "codec": CodecBenchmark.run,
    "encode-patches": PatchEncoder.run,
    "load": LoadBenchmark.load,
    "zstd-floor": LoadBenchmark.floor,
    "train-step": TrainStepBenchmark.run,
]
guard let name = arguments.first, let benchmark = benchmarks[name] else {
    print("usage: geopairs-bench batch-digests DIR --sensors A,B [loader flags] | codec S2_FILE [BIGEARTHNET_SAMPLE_DIR] | encode-patches LIST OUT | load DIR --sensors A,B --workers N --shuffle global|buffered | zstd-floor DIR --sensors A,B --threads N | train-step RUN [--steps N] [--threads T]")
    exit(arguments.first == "--help" ? 0 : 2)
}
do {
    try benchmark(rest)
} catch {
    FileHandle.standardError.write(Data("geopairs-bench \(name): \(error)\n".utf8))
    exit(1)
}
