import Foundation

/// Which part of an array job this process builds, read from the scheduler's environment
/// (`--part auto`).
public enum SchedulerIndex {
    /// A part number and count from the environment.
    /// - Parameters:
    ///   - count: the part count given on the command line (`--parts N`); required where the
    ///     scheduler does not export it, and preferred where it does.
    /// - Throws: ``SchedulerIndexError`` when no scheduler's variables are set, when one is not a
    ///   number, when two disagree, when the count is neither given nor exported, or when the index
    ///   lies outside the count.
    public static func resolve(environment env: [String: String], count given: Int?) throws -> (index: Int, count: Int) {
        func int(_ name: String) throws -> Int? {
            guard let text = env[name] else { return nil }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw SchedulerIndexError.notAnIndex(variable: name, value: text)
            }
            return v
        }
        var found: [(scheduler: String, index: Int, count: Int?)] = []
        if let i = try int("SLURM_ARRAY_TASK_ID") {
            var count = try int("SLURM_ARRAY_TASK_COUNT")
            if count == nil, let lo = try int("SLURM_ARRAY_TASK_MIN"), let hi = try int("SLURM_ARRAY_TASK_MAX"), lo == 0 {
                count = hi + 1
            }
            found.append(("Slurm (SLURM_ARRAY_TASK_ID)", i, count))
        }
        if let i = try int("JOB_COMPLETION_INDEX") { found.append(("Kubernetes (JOB_COMPLETION_INDEX)", i, nil)) }
        if let i = try int("AWS_BATCH_JOB_ARRAY_INDEX") { found.append(("AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX)", i, nil)) }
        if let i = try int("BATCH_TASK_INDEX") { found.append(("GCP Batch (BATCH_TASK_INDEX)", i, try int("BATCH_TASK_COUNT"))) }
        guard let first = found.first else {
            throw SchedulerIndexError.noArrayJob
        }
        for other in found.dropFirst() where other.index != first.index || (other.count != nil && first.count != nil && other.count != first.count) {
            throw SchedulerIndexError.disagreement("\(first.scheduler) says part \(first.index), \(other.scheduler) says \(other.index)")
        }
        // A given count wins over an exported one: a failed task resubmitted alone (`sbatch --array=3`)
        // is an array of one task, but still part 3 of the original N.
        guard let count = given ?? found.compactMap(\.count).first else {
            throw SchedulerIndexError.countNotExported(scheduler: first.scheduler)
        }
        guard (1...Partitioner.maxParts).contains(count), first.index < count else {
            throw SchedulerIndexError.outside("part \(first.index) from \(first.scheduler) is outside 0…\(count - 1)")
        }
        return (first.index, count)
    }
}

/// Why the array job's environment does not name a part (the caller adds how to fix it).
public enum SchedulerIndexError: Error, CustomStringConvertible, Sendable, Equatable {
    case notAnIndex(variable: String, value: String)
    case noArrayJob
    case disagreement(String)
    /// The scheduler exports the task's index but not the number of tasks.
    case countNotExported(scheduler: String)
    case outside(String)

    public var description: String {
        switch self {
        case .notAnIndex(let variable, let value): "$\(variable) is \"\(value)\", not a non-negative integer"
        case .noArrayJob: "none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, BATCH_TASK_INDEX is set"
        case .disagreement(let text), .outside(let text): text
        case .countNotExported(let scheduler): "\(scheduler) does not export the task count"
        }
    }
}
