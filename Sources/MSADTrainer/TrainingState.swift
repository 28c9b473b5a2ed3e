import PairLoader

/// Where a run is; written after each checkpoint (atomically, last), read by `--resume`.
public struct TrainingState: Codable, Sendable, Equatable {
    public var options: TrainingOptions
    public var step: Int
    public var loader: LoaderState
    /// File names in the run directory.
    public var checkpoint: String
    public var optimizer: String

    /// The first field a resume cannot trust, or `nil`.
    var problem: String? {
        if let problem = options.problem { return "options: \(problem)" }
        guard (0...options.steps).contains(step) else { return "step \(step) outside 0…\(options.steps)" }
        guard loader.epoch >= 0, loader.position >= 0 else { return "loader epoch \(loader.epoch) and position \(loader.position) must be 0 or more" }
        for name in [checkpoint, optimizer] where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            return "\"\(name)\" is not a file name in the run directory"
        }
        return nil
    }
}
