import MSADTrainer
import TestSupport
import Testing

// The README's train-msad library example, verbatim.
func trainAndEvaluate(dataset: String, run: String) throws -> RetrievalReport {
    let options = TrainingOptions(dataset: dataset, sensors: ["fine", "coarse"], loss: .msadDense, steps: 20, batchSize: 8,
                                  grid: 2, width: 16, depth: 1, heads: 2, projection: 8)
    let trainer = try Trainer(options: options, runDirectory: run, resume: false)
    try trainer.run { report in print(report.step, report.loss) }
    return try RetrievalReport.evaluate(model: trainer.model, dataset: dataset, split: "val", gallery: "fine", query: "coarse")
}

@Suite("README example: Trainer")
struct TrainerReadmeExampleTests {
    @Test("The README's Trainer example trains, checkpoints and evaluates")
    func example() throws {
        let run = TestEnvironment.temporaryDirectory() + "/run"
        let report = try trainAndEvaluate(dataset: try TrainerFixtures.correlatedDataset(), run: run)
        #expect(report.records == 8 && report.allTokens.candidates == 32)
        #expect(try TrainerTests.losses(run).count == 20)
    }
}
