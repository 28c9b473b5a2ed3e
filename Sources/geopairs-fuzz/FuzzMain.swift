import Foundation
import FuzzHarness

/// `geopairs-fuzz TARGET [--context DATASET] [driver arguments]`: one fuzz target (shard, header,
/// index, safetensors) under libFuzzer when built with `-sanitize=fuzzer -DGEOPAIRS_LIBFUZZER`
/// (Scripts/fuzz.sh does), otherwise under GeoPairs' own seeded mutation loop. Either way a crash
/// leaves the input that caused it in a file, to become a regression test under Tests/FuzzRegressions.
@main
struct FuzzMain {
    nonisolated(unsafe) static var harness: FuzzHarness?

    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "seed", arguments.count == 3 {
            try FuzzTarget.writeSeeds(dataset: arguments[1], to: arguments[2])
            return
        }
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("""
            Usage: geopairs-fuzz TARGET [--context DATASET] [driver arguments]
                   geopairs-fuzz seed DATASET CORPUS   (writes every target's seed inputs from a dataset)
              TARGET       \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " | "))
              --context    a dataset directory (the header and index targets start from its shards)
            Driver: \(driverName). \(driverHelp)
            """)
            exit(arguments.first == "--help" ? 0 : 2)
        }
        arguments.removeFirst()
        var context: String?
        if let i = arguments.firstIndex(of: "--context"), i + 1 < arguments.count {
            context = arguments[i + 1]
            arguments.removeSubrange(i...(i + 1))
        }
        harness = try FuzzHarness(target: target, context: context)
        exit(runDriver(arguments))
    }
}

#if GEOPAIRS_LIBFUZZER
let driverName = "libFuzzer"
let driverHelp = "Arguments are libFuzzer's: CORPUS_DIR... -seed=N -max_total_time=S -timeout=S …"

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

func runDriver(_ arguments: [String]) -> Int32 {
    var cStrings = ([CommandLine.arguments[0]] + arguments).map { strdup($0) } + [nil]
    var argc = Int32(arguments.count + 1)
    return cStrings.withUnsafeMutableBufferPointer { buffer in
        var argv = buffer.baseAddress!
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzMain.harness!.run(Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        }
    }
}
#else
let driverName = "seeded mutation loop (this build has no libFuzzer; Scripts/fuzz.sh builds with it)"
let driverHelp = "Arguments: CORPUS_DIR [--seconds S] [--seed N] [--crash-dir DIR]"

func runDriver(_ arguments: [String]) -> Int32 {
    do {
        let options = try MutationLoop.Options(arguments)
        let report = try MutationLoop.run(options) { FuzzMain.harness!.run($0) }
        print("geopairs-fuzz: \(report.executions) inputs in \(String(format: "%.0f", report.seconds)) s from \(report.corpusSize) seeds (seed \(options.seed)); no crash")
        return 0
    } catch {
        FileHandle.standardError.write(Data("geopairs-fuzz: \(error)\n".utf8))
        return 2
    }
}
#endif
