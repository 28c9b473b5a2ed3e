import Foundation
import ShardFormat

/// `part.json`, written into a part's folder after its `dataset.json`: which part it is, and the
/// fingerprint (manifest, inputs and part count) that every part of one build shares.
public struct PartIndex: Codable, Sendable, Equatable {
    public var part: PlanPart
    public var fingerprint: String

    public static let fileName = "part.json"

    /// The part folders of a partitioned build: `DIR/parts/part-IIIII-of-NNNNN`.
    public static func folder(of dataset: String, part: PlanPart) -> String {
        "\(dataset)/parts/\(part.name)"
    }

    /// The part index in `directory`, or `nil` when the part has not finished.
    /// - Throws: ``PlanError`` for a `part.json` that cannot be read.
    public static func load(directory: String) throws -> PartIndex? {
        let path = "\(directory)/\(fileName)"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let index = try? JSONDecoder().decode(PartIndex.self, from: data),
              (1...Partitioner.maxParts).contains(index.part.count), (0..<index.part.count).contains(index.part.index) else {
            throw PlanError(problems: ["\(path): not a part index"])
        }
        return index
    }

    func save(directory: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        try OutputFile.writeAtomically(Array(try e.encode(self)) + [0x0A], to: "\(directory)/\(Self.fileName)")
    }
}
