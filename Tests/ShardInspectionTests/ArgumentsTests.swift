import CLICore
import Testing

@Suite("Argument parsing")
struct ArgumentsTests {
    @Test("Options, flags, repeats, = values and positionals")
    func parses() throws {
        let a = try Arguments(["dir", "--split", "val", "--json", "--input=s2=/a", "--input", "s1=/b", "--", "--literal"],
                              options: ["split", "input"], flags: ["json"])
        #expect(a.positionals == ["dir", "--literal"])
        #expect(a.value("split") == "val" && a.has("json"))
        #expect(a.all("input") == ["s2=/a", "s1=/b"])
    }

    @Test("Mistakes are usage errors")
    func mistakes() {
        #expect(throws: UsageError.self) { try Arguments(["--nope"]) }
        #expect(throws: UsageError.self) { try Arguments(["--split"], options: ["split"]) }
        #expect(throws: UsageError.self) { try Arguments(["--json=1"], flags: ["json"]) }
        #expect(throws: UsageError.self) { try Arguments(["--jobs", "x"], options: ["jobs"]).integer("jobs") }
        #expect(throws: UsageError.self) { try Arguments(["a", "b"]).positionals(["DIR"]) }
    }
}
