/// What one optimizer step did; also one line of the run's `log.jsonl`.
public struct StepReport: Codable, Sendable, Equatable {
    /// Steps done (1 after the first).
    public var step: Int
    public var totalSteps: Int
    public var epoch: Int
    public var loss: Double
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    /// Records per second, waiting for the loader included.
    public var samplesPerSecond: Double
    /// Matrix-product GFLOP/s of the step's compute (loss, gradients, update).
    public var gflops: Double
    /// Wall time of the step, waiting for the loader included.
    public var seconds: Double
}
