import DatasetBuilder
import Foundation
import TestSupport
import Testing

/// DATASETS.md's manifest table is the manifest's reference: every field the reader accepts must be
/// in it, and every field it documents must be accepted.
@Suite("Manifest schema and DATASETS.md")
struct ManifestSchemaDocumentationTests {
    /// The rows of the manifest table: first cell (the field path, without backticks) → whole row.
    static func tableRows() throws -> [String: String] {
        let text = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/DATASETS.md", encoding: .utf8)
        let start = try #require(text.range(of: "| field | type | default | meaning |"))
        var rows: [String: String] = [:]
        for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2) {
            guard line.hasPrefix("| `") else { break }
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            rows[String(cell)] = String(line)
        }
        return rows
    }

    @Test("Every accepted field has its row, or is named in its parent's row when documented inline")
    func acceptedFieldsAreDocumented() throws {
        let rows = try Self.tableRows()
        #expect(rows.count > 30, "the manifest table was not found whole")
        for section in ManifestSchema.sections {
            for field in section.fields {
                let path = section.path.isEmpty ? field : "\(section.path).\(field)"
                if section.isInline {
                    let row = try #require(rows[section.path], "DATASETS.md has no row for \(section.path)")
                    #expect(row.contains("\"\(field)\"") || row.contains("`\(field)`") || row.contains("\(field) ("),
                            "DATASETS.md's row for \(section.path) does not name \(field)")
                } else {
                    // A field that is itself a section may be documented by its own fields' rows.
                    #expect(rows[path] != nil || rows.keys.contains { $0.hasPrefix(path + ".") || $0 == path + "[]" },
                            "DATASETS.md has no row for \(path)")
                }
            }
        }
    }

    @Test("Every documented field is one the reader accepts")
    func documentedFieldsAreAccepted() throws {
        let accepted = Set(ManifestSchema.sections.flatMap { section in
            [section.path] + section.fields.map { section.path.isEmpty ? $0 : "\(section.path).\($0)" }
        })
        for field in try Self.tableRows().keys {
            #expect(accepted.contains(field), "DATASETS.md documents \(field), which the manifest reader does not accept")
        }
    }
}
