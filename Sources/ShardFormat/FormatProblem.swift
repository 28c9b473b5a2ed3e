/// What is wrong with a structure read from a shard, before the reader adds file and place.
struct FormatProblem: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
