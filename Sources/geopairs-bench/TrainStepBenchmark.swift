import CLICore
import Foundation
import MSADTrainer

/// `train-step RUN [--steps N] [--threads T] [--steps-only]`: times train-msad's optimizer step on the first batch
/// of a run (the model of checkpoint-000000, the pixels of reference-batch.safetensors), and the
/// same step's matrix products alone through `cblas_sgemm` (recorded shapes, replayed).
enum TrainStepBenchmark {
    static let command = Subcommand(
        name: "train-step", summary: "train-msad's step against cblas_sgemm alone on the same products",
        positionals: [Positional("RUN", "a train-msad run directory (checkpoint-000000, reference-batch)")],
        options: [
            .integer("steps", in: 1...10_000, help: "timed steps (median)", default: 10),
            .integer("threads", "T", in: 1...256, help: "compute threads", default: 2),
            .flag("steps-only", help: "time the steps alone, without the sgemm reference (for profilers)"),
        ],
        run: { a in try run(a); return .success })

    static func run(_ a: Arguments) throws {
        let run = a[positional: "RUN"], steps = a[integer: "steps"], threads = a[integer: "threads"], stepsOnly = a.has("steps-only")
        ComputeThreads.set(threads)
        var model = try MSADModel<Float>(checkpoint: run + "/checkpoint-000000.safetensors")
        let (tensors, _) = try SafeTensors.read(run + "/reference-batch.safetensors")
        var records = 0
        let pixels = try model.config.sensors.indices.map { i -> Matrix<Float> in
            guard let batch = tensors["batch.\(model.config.sensors[i].name)"] else { throw BenchmarkError("\(run): no batch for sensor \(i)") }
            records = batch.shape[0]
            return batch.values.withUnsafeBufferPointer { OptimizerStep.tokenPixels(model: model, sensor: i, $0, records: records) }
        }
        var optimizer = AdamW<Float>(parameterCount: model.parameterCount)
        let decay = model.decayFlags
        func step() {
            OptimizerStep.take(model: &model, optimizer: &optimizer, pixels: pixels, records: records, learningRate: 1e-4,
                               clipNorm: 1, decay: decay)
        }
        let (_, shapes) = GEMMAccounting.recording { step() }
        let (_, forwardShapes) = GEMMAccounting.recording { _ = OptimizerStep.forward(model: model, pixels: pixels) }
        // Steps and sgemm-only passes alternate, so that both see the same machine (a shared VM's
        // speed drifts by ±10 % over a minute); each is the median of `steps` timings.
        // Each also records how many cores the process kept busy (CPU time over wall time): a shared
        // VM sometimes gives a process fewer cores than it asked for, and a ratio measured then means nothing.
        var stepTimes: [Double] = [], sgemmTimes: [Double] = [], stepCores: [Double] = [], sgemmCores: [Double] = []
        for _ in 0..<steps {
            let (start, cpu) = (DispatchTime.now().uptimeNanoseconds, processCPUSeconds())
            step()
            stepTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            stepCores.append((processCPUSeconds() - cpu) / stepTimes.last!)
            if stepsOnly { continue }
            let referenceCPU = processCPUSeconds()
            sgemmTimes.append(GEMMAccounting.timeSGEMM(shapes, repetitions: 1))
            sgemmCores.append((processCPUSeconds() - referenceCPU) / sgemmTimes.last!)
            // OpenBLAS's pool threads, woken by the reference, spin for ~0.1 s before they sleep;
            // the step would otherwise share its cores with them.
            Thread.sleep(forTimeInterval: 0.3)
        }
        let median = stepTimes.sorted()[steps / 2]
        let flops = Double(shapes.reduce(0) { $0 + $1.flops }), forward = Double(forwardShapes.reduce(0) { $0 + $1.flops })
        let c = model.config
        print("model: \(c.sensors.map { "\($0.name) \($0.channels)×\(c.grid * $0.pixelsPerToken)²" }.joined(separator: ", ")), G=\(c.grid), "
              + "D=\(c.width), depth \(c.depth), \(c.heads) heads, E=\(c.projection), \(c.loss.rawValue), batch \(records), "
              + "\(model.parameterCount) parameters; \(threads) compute threads")
        print(String(format: "matrix products per step: %d calls, %.2f GFLOP (%.2f× the forward pass's %.2f GFLOP)",
                     shapes.count, flops / 1e9, flops / forward, forward / 1e9))
        print(String(format: "train-msad step:        %7.1f ms  %6.1f GFLOP/s   (median of %d; %.1f of %d cores busy)",
                     median * 1000, flops / median / 1e9, steps, stepCores.sorted()[steps / 2], threads))
        guard !stepsOnly else { return }
        let sgemm = sgemmTimes.sorted()[steps / 2], referenceCores = sgemmCores.sorted()[steps / 2]
        print(String(format: "cblas_sgemm alone:      %7.1f ms  %6.1f GFLOP/s   (same %d products, median of %d, alternating; %.1f of %d cores busy)",
                     sgemm * 1000, flops / sgemm / 1e9, shapes.count, steps, referenceCores, threads))
        print(String(format: "ratio: %.0f %% of sgemm's GFLOP/s at the step's shapes", 100 * sgemm / median))
        // OpenBLAS's threads keep their cores busy while they wait, so fewer busy cores than threads
        // means the machine withheld cores from the reference.
        if threads > 1, referenceCores < 0.75 * Double(threads) {
            print(String(format: "warning: the reference kept only %.1f of %d cores busy (the machine gave this process fewer cores "
                         + "than it asked for); the ratio is not meaningful, run again", referenceCores, threads))
        }
    }
}

/// CPU time of the whole process (every thread), in seconds.
private func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
