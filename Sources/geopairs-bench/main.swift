import CLICore

CommandLineTool(
    name: "geopairs-bench", summary: "release-mode benchmarks of GeoPairs (run through the scripts in Scripts/)",
    subcommands: [BatchDigests.command, CodecBenchmark.command, PatchEncoder.command, LoadBenchmark.loadCommand,
                  LoadBenchmark.floorCommand, TrainStepBenchmark.command]
).main()
